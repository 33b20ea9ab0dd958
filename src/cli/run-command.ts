/** `relstream run`: the processor, until SIGTERM/SIGINT (exit 0 after a graceful stop) or a fatal error (exit 1). */
import { loadConfig } from '../config/load-config.js';
import { describeError } from '../errors.js';
import { startService } from './build-service.js';
import { parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';
import { untilShutdownSignal } from './signals.js';

export async function runCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { configFlags } = parseCommandArgs(argv);
  const config = loadConfig({ env, flags: configFlags });
  // Listened for before anything starts: a SIGTERM during start-up (a pod deleted while it loads the model or
  // joins the group) stops it cleanly instead of killing it by the signal.
  const stop = new AbortController();
  const signalled = untilShutdownSignal().then((signal) => {
    stop.abort();
    return { signal };
  });
  const service = await startService(config, ctx.logger, stop.signal);
  if (service === undefined) return 0;
  const outcome = await Promise.race([signalled, service.fatal.then((error) => ({ error }))]);
  if ('error' in outcome) ctx.logger.error('stopping after a fatal error', { error: describeError(outcome.error) });
  else ctx.logger.info('shutting down', { signal: outcome.signal });
  // The processor bounds its own drain by shutdownTimeoutMs; this guards the closes after it.
  const guard = setTimeout(() => {
    ctx.logger.error('shutdown did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs + 10_000);
  guard.unref();
  await service.stop();
  clearTimeout(guard);
  return 'error' in outcome ? 1 : 0;
}
