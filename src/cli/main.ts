/** The `relstream` CLI: parses the command, wires its parts, turns errors into a message and an exit code. */
import { cacheDir } from '../paths.js';
import { describeError, RelstreamError } from '../errors.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { consumeCommand } from './consume-command.js';
import { demoCommand } from './demo-command.js';
import { docsCommand } from './docs-command.js';
import { loadLocalKafka } from './local-kafka.js';
import { produceCommand } from './produce-command.js';
import { runCommand } from './run-command.js';

const usage = `usage: relstream <command> [flags]

commands:
  run      the stream processor: trial records in, relation events out (SIGTERM/Ctrl-C stops it cleanly)
  demo     the whole flow on a local broker with the tiny demo model and sample records, then stop
  produce  [FILE] JSON lines of TrialRecords (stdin without FILE) -> Avro -> the input topic
  consume  the relations topic -> JSON lines on stdout [--max N] [--idle-ms N] [--group ID]
  kafka    manage the local single-node Apache Kafka broker (a development tool; \`relstream kafka help\`)
  docs     print the configuration, error-code and metric tables; --write updates docs/*.md

Every configuration key is a flag and an env var (docs/configuration.md).`;

/** The logger exists before the configuration is validated, so it reads --log-level / RELSTREAM_LOG_LEVEL itself. */
function logLevelFrom(env: NodeJS.ProcessEnv, argv: readonly string[]): LogLevel {
  const flagAt = argv.findIndex((a) => a === '--log-level' || a.startsWith('--log-level='));
  const flag = flagAt < 0 ? undefined : (argv[flagAt]?.split('=')[1] ?? argv[flagAt + 1]);
  const level = flag ?? env['RELSTREAM_LOG_LEVEL'];
  return level === 'debug' || level === 'warn' || level === 'error' ? level : 'info';
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = createLogger({ level: logLevelFrom(env, argv), bindings: { service: 'relstream' } });
  const ctx = { logger, cacheDir: cacheDir(env), stdout: (line: string) => process.stdout.write(`${line}\n`) };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, ctx, env);
      case 'demo':
        return await demoCommand(rest, ctx, env);
      case 'produce':
        return await produceCommand(rest, ctx, env);
      case 'consume':
        return await consumeCommand(rest, ctx, env);
      case 'kafka':
        return await (await loadLocalKafka()).kafkaCommand(rest, ctx);
      case 'docs':
        return await docsCommand(rest, ctx);
      case undefined:
      case 'help':
      case '--help':
        ctx.stdout(usage);
        return command === undefined ? 2 : 0;
      default:
        throw new RelstreamError('RELSTREAM_CLI_USAGE', `unknown command "${command}"\n\n${usage}`);
    }
  } catch (error) {
    process.stderr.write(`relstream: ${describeError(error)}\n`);
    return error instanceof RelstreamError && error.code === 'RELSTREAM_CLI_USAGE' ? 2 : 1;
  }
}
