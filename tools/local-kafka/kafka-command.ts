/**
 * `relstream kafka start|stop|status|fetch`: the local single-node broker for the demo, the tests and
 * development. Production points relstream at a real cluster instead.
 */
import { RelstreamError } from '../../src/errors.js';
import { defaultStateFile, isBrokerProcess, readBrokerState, stopDetachedBroker, writeBrokerState } from './broker-state.js';
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars, KAFKA_DISTRIBUTIONS, kafkaDistribution, kafkaVersionFromEnv } from './kafka-jars.js';
import { startLocalBroker } from './local-broker.js';
import type { CommandContext } from '../../src/cli/command-context.js';
import { intFlag, parseCommandArgs } from '../../src/cli/args.js';
import { untilShutdownSignal } from '../../src/cli/signals.js';

export const kafkaUsage = `relstream kafka <start|stop|status|fetch>
  start [--port N] [--heap-mb N] [--detach]   start a local broker and print its bootstrap address;
                                              runs until Ctrl-C, or with --detach until \`kafka stop\`
  stop                                        stop the broker started with --detach
  (start --detach, stop and status take --state-file PATH; default: the cache dir's local-broker.json)
  status                                      print the detached broker's address, exit 1 if none runs
  fetch                                       download and verify the Apache Kafka jars only
  (start and fetch take --kafka-version V: ${Object.keys(KAFKA_DISTRIBUTIONS).join(' or ')}; default ${DEFAULT_KAFKA_VERSION},
   or RELSTREAM_KAFKA_VERSION when set)`;

export async function kafkaCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, commandFlags } = parseCommandArgs(argv, {
    port: { type: 'string' }, 'heap-mb': { type: 'string' }, detach: { type: 'boolean' }, 'stop-timeout-ms': { type: 'string' },
    'state-file': { type: 'string' }, 'kafka-version': { type: 'string' },
  });
  const versionFlag = commandFlags['kafka-version'];
  const kafkaVersion = kafkaDistribution(typeof versionFlag === 'string' ? versionFlag : kafkaVersionFromEnv()).version;
  const stateFlag = commandFlags['state-file'];
  const stateFile = typeof stateFlag === 'string' ? stateFlag : defaultStateFile(ctx.cacheDir);
  const stopTimeoutMs = intFlag(commandFlags['stop-timeout-ms'], 'stop-timeout-ms', 20_000);
  switch (positionals[0]) {
    case 'fetch':
      ctx.stdout(await ensureKafkaJars({ cacheDir: ctx.cacheDir, logger: ctx.logger, version: kafkaVersion }));
      return 0;
    case 'status': {
      const state = await readBrokerState(stateFile);
      if (state === undefined || !isBrokerProcess(state.pid)) {
        ctx.stdout('no local broker running');
        return 1;
      }
      ctx.stdout(state.bootstrap);
      return 0;
    }
    case 'stop': {
      const state = await stopDetachedBroker(stateFile, stopTimeoutMs);
      ctx.logger.info('local Kafka broker stopped', { bootstrap: state.bootstrap, pid: state.pid });
      return 0;
    }
    case 'start':
      return start(ctx, {
        port: intFlag(commandFlags['port'], 'port', 0),
        heapMb: intFlag(commandFlags['heap-mb'], 'heap-mb', 512),
        detach: commandFlags['detach'] === true,
        stopTimeoutMs,
        stateFile,
        kafkaVersion,
      });
    default:
      throw new RelstreamError('RELSTREAM_CLI_USAGE', kafkaUsage);
  }
}

interface StartOptions {
  readonly port: number;
  readonly heapMb: number;
  readonly detach: boolean;
  readonly stopTimeoutMs: number;
  readonly stateFile: string;
  readonly kafkaVersion: string;
}

async function start(ctx: CommandContext, options: StartOptions): Promise<number> {
  if (options.detach) {
    const existing = await readBrokerState(options.stateFile);
    if (existing !== undefined && isBrokerProcess(existing.pid)) {
      ctx.logger.info('a local Kafka broker is already running', { bootstrap: existing.bootstrap, pid: existing.pid });
      ctx.stdout(existing.bootstrap);
      return 0;
    }
  }
  const broker = await startLocalBroker({
    cacheDir: ctx.cacheDir, logger: ctx.logger, kafkaVersion: options.kafkaVersion, port: options.port, heapMb: options.heapMb,
    tieToParent: !options.detach, stopTimeoutMs: options.stopTimeoutMs,
  });
  if (options.detach) {
    await writeBrokerState(options.stateFile, {
      pid: broker.pid, bootstrap: broker.bootstrap, workDir: broker.workDir, logFile: broker.logFile, startedAt: new Date().toISOString(),
    });
    ctx.stdout(broker.bootstrap);
    return 0;
  }
  ctx.stdout(broker.bootstrap);
  const signal = await untilShutdownSignal();
  ctx.logger.info('stopping the local Kafka broker', { signal });
  await broker.stop();
  return 0;
}
