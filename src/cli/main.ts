/** The `relstream` CLI: parses the command, wires its parts, turns errors into a message and an exit code. */
import { cacheDir } from '../paths.js';
import { describeError, RelstreamError } from '../errors.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { consumeCommand } from './consume-command.js';
import { demoCommand } from './demo-command.js';
import { docsCommand } from './docs-command.js';
import { loadLocalKafka } from './local-kafka.js';
import { produceCommand } from './produce-command.js';
import { quietKnownWarnings } from './process-warnings.js';
import { runCommand } from './run-command.js';

const usage = `usage: relstream <command> [flags]     (relstream <command> --help for one command)

commands:
  run      the stream processor: trial records in, relation events out (SIGTERM/Ctrl-C stops it cleanly)
  demo     the whole flow on a local broker with the tiny demo model and sample records, then stop
  produce  [FILE] JSON lines of TrialRecords (stdin without FILE) -> Avro -> the input topic
  consume  the relations topic -> JSON lines on stdout [--max N] [--idle-ms N] [--group ID]
  topics   create or describe the input, output and dead-letter topics (with the group's lag)
  replay   dead letters sent through again (filters by reason, time, key, offsets; --dry-run), never twice
  kafka    manage the local single-node Apache Kafka broker (a development tool)
  docs     print the configuration, error-code and metric tables; --write updates docs/*.md

Every configuration key is a flag and an env var (docs/configuration.md).`;

const CONFIG_NOTE = 'Every configuration key is also a flag (--kafka-brokers, --input-topic, ...) and an env var: docs/configuration.md.';

/** Each command's --help text. */
const COMMAND_USAGE: Readonly<Record<string, () => Promise<string>>> = {
  run: () => Promise.resolve(`usage: relstream run [config flags]

The stream processor: consumes the input topic, extracts relations and publishes them with their dead letters.
Checks at start that its topics exist (\`relstream topics create\` makes them). SIGTERM/Ctrl-C drains and stops
(exit 0); a fatal error exits 1.

${CONFIG_NOTE}`),
  demo: () => Promise.resolve(`usage: relstream demo [--timeout-ms N] [config flags]

Starts a local Kafka broker (unless --kafka-brokers names one), creates the topics, runs the processor with the
tiny demo model on the sample records and prints the relations it finds, then stops everything.

${CONFIG_NOTE}`),
  produce: () => Promise.resolve(`usage: relstream produce [FILE] [config flags]

Reads JSON lines of TrialRecords from FILE (or stdin), encodes them as Avro and sends them to the input topic.

${CONFIG_NOTE}`),
  consume: () => Promise.resolve(`usage: relstream consume [--max N] [--idle-ms N] [--group ID] [config flags]

Prints the relations topic as JSON lines (read_committed): --max stops after N events, --idle-ms after N ms
without one; --group names the consumer group (default: a fresh one, from the beginning).

${CONFIG_NOTE}`),
  topics: async () => (await import('./topics-command.js')).topicsUsage,
  replay: async () => (await import('./replay-command.js')).replayUsage,
  kafka: async () => (await loadLocalKafka()).kafkaUsage,
  docs: () => Promise.resolve(`usage: relstream docs [--write]

Prints the configuration, error-code and metric tables generated from the code; --write replaces them in
docs/configuration.md, docs/errors.md and docs/metrics.md.`),
};

const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');

/** The logger exists before the configuration is validated, so it reads --log-level / RELSTREAM_LOG_LEVEL itself. */
function logLevelFrom(env: NodeJS.ProcessEnv, argv: readonly string[]): LogLevel {
  const flagAt = argv.findIndex((a) => a === '--log-level' || a.startsWith('--log-level='));
  const flag = flagAt < 0 ? undefined : (argv[flagAt]?.split('=')[1] ?? argv[flagAt + 1]);
  const level = flag ?? env['RELSTREAM_LOG_LEVEL'];
  if (level === 'debug' || level === 'info' || level === 'warn' || level === 'error') return level;
  // The demo talks to a person on stdout: its stderr carries warnings and errors only, unless asked otherwise.
  return argv[0] === 'demo' ? 'warn' : 'info';
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  quietKnownWarnings();
  const logger = createLogger({ level: logLevelFrom(env, argv), bindings: { service: 'relstream' } });
  const ctx = { logger, cacheDir: cacheDir(env), stdout: (line: string) => process.stdout.write(`${line}\n`) };
  const [command, ...rest] = argv;
  try {
    // --help anywhere after a command (and `help <command>`) prints that command's usage, before any parsing.
    const helpFor = command === 'help' ? rest[0] : command !== undefined && wantsHelp(rest) ? command : undefined;
    const commandUsage = helpFor === undefined ? undefined : COMMAND_USAGE[helpFor];
    if (commandUsage) {
      ctx.stdout(await commandUsage());
      return 0;
    }
    switch (command) {
      case 'run':
        return await runCommand(rest, ctx, env);
      case 'demo':
        return await demoCommand(rest, ctx, env);
      case 'produce':
        return await produceCommand(rest, ctx, env);
      case 'consume':
        return await consumeCommand(rest, ctx, env);
      case 'topics':
        return await (await import('./topics-command.js')).topicsCommand(rest, ctx, env);
      case 'replay':
        return await (await import('./replay-command.js')).replayCommand(rest, ctx, env);
      case 'kafka':
        return await (await loadLocalKafka()).kafkaCommand(rest, ctx);
      case 'docs':
        return await docsCommand(rest, ctx);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
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
