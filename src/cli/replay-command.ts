/**
 * `relstream replay`: dead letters sent through again, e.g. after the limit, model or registry problem that
 * dead-lettered them was fixed. Reads the dead-letter topic, keeps the letters the filters select and sends each
 * one's original key, value and headers (those its dead letter kept) to the input topic or --to, with a header naming the
 * dead letter (../replay/dead-letter-selection.ts). Idempotent: it first reads the target topic for that header
 * and sends no dead letter a second time. --dry-run sends nothing and prints the same table of counts by reason.
 */
import { loadConfig } from '../config/load-config.js';
import { RelstreamError } from '../errors.js';
import { kafkaClientFromConfig } from '../kafka/connection-from-config.js';
import type { KafkaProducer, OutgoingMessage } from '../kafka/types.js';
import {
  deadLetterId, isTruncated, matches, parseOffset, parseTime, reasonOf, replayedFrom, replayMessage, type ReplayFilter,
} from '../replay/dead-letter-selection.js';
import { readTopicToEnd, type ReadEnd } from '../replay/topic-reader.js';
import { intFlag, parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';
import { progressBar } from './progress-bar.js';
import { untilShutdownSignal } from './signals.js';

const CHUNK = 500;
const DEFAULT_IDLE_MS = 5000;

export const replayUsage = `usage: relstream replay [--to TOPIC] [--reason R[,R...]] [--since T] [--until T] [--key K]
                        [--partition P] [--from-offset N] [--to-offset N] [--dry-run] [--idle-ms N] [config flags]

Sends dead letters through again: reads the dead-letter topic (--dead-letter-topic), keeps the letters the
filters select and sends each one's original key, value and headers to the input topic (--input-topic) or
--to, with a relstream-replay-of header naming the dead letter. A dead letter already replayed to that topic is
not sent again, so the same command twice sends nothing twice. Prints a table of counts by reason.

  --reason R[,R...]  only these reasons (the relstream-error-reason header: docs/records.md lists them)
  --since T          dead-lettered at or after T; --until T: before T (epoch ms or an ISO 8601 time)
  --key K            only the record with this key
  --partition P      only this partition of the dead-letter topic; --from-offset/--to-offset: its offsets (inclusive)
  --dry-run          send nothing; the table says what would be sent
  --idle-ms N        a read ends once nothing new came for N ms (default ${DEFAULT_IDLE_MS}; three times that when
                     nothing came at all): the last offsets of a topic written in transactions are markers,
                     which are never read

Letters cut to the producer's size limit (relstream-value-truncated) are counted and never sent. The target
topic is read once, whole, to find earlier replays.

Every configuration key is also a flag (--kafka-brokers, --input-topic, ...) and an env var: docs/configuration.md.`;

interface ReasonCounts {
  matched: number;
  sent: number;
  alreadyReplayed: number;
  truncated: number;
}

function filterFrom(flags: Readonly<Record<string, string | boolean | undefined>>): ReplayFilter {
  const text = (name: string): string | undefined => (typeof flags[name] === 'string' ? flags[name] : undefined);
  const reasons = text('reason')?.split(',').map((r) => r.trim()).filter((r) => r !== '') ?? [];
  const since = text('since');
  const until = text('until');
  const key = text('key');
  const partition = text('partition');
  const from = text('from-offset');
  const to = text('to-offset');
  if ((from !== undefined || to !== undefined) && partition === undefined) {
    throw new RelstreamError('RELSTREAM_CLI_USAGE', '--from-offset and --to-offset need --partition: offsets are per partition');
  }
  return {
    reasons,
    ...(since === undefined ? {} : { sinceMs: parseTime(since, 'since') }),
    ...(until === undefined ? {} : { untilMs: parseTime(until, 'until') }),
    ...(key === undefined ? {} : { key }),
    ...(partition === undefined ? {} : { partition: intFlag(partition, 'partition', 0) }),
    ...(from === undefined ? {} : { fromOffset: parseOffset(from, 'from-offset') }),
    ...(to === undefined ? {} : { toOffset: parseOffset(to, 'to-offset') }),
  };
}

export function countsTable(counts: ReadonlyMap<string, ReasonCounts>, dryRun: boolean): string[] {
  const header = ['reason', 'matched', dryRun ? 'would send' : 'sent', 'already replayed', 'truncated (not sent)'];
  const rows = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([reason, c]) => [reason, String(c.matched), String(c.sent), String(c.alreadyReplayed), String(c.truncated)]);
  const total = [...counts.values()].reduce((t, c) => ({ matched: t.matched + c.matched, sent: t.sent + c.sent, alreadyReplayed: t.alreadyReplayed + c.alreadyReplayed, truncated: t.truncated + c.truncated }), { matched: 0, sent: 0, alreadyReplayed: 0, truncated: 0 });
  rows.push(['total', String(total.matched), String(total.sent), String(total.alreadyReplayed), String(total.truncated)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export async function replayCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { configFlags, commandFlags } = parseCommandArgs(argv, {
    to: { type: 'string' }, reason: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, key: { type: 'string' },
    partition: { type: 'string' }, 'from-offset': { type: 'string' }, 'to-offset': { type: 'string' }, 'dry-run': { type: 'boolean' }, 'idle-ms': { type: 'string' },
  });
  const config = loadConfig({ env, flags: configFlags });
  const filter = filterFrom(commandFlags);
  const dryRun = commandFlags['dry-run'] === true;
  const idleMs = intFlag(commandFlags['idle-ms'], 'idle-ms', DEFAULT_IDLE_MS);
  const target = typeof commandFlags['to'] === 'string' ? commandFlags['to'] : config.inputTopic;
  const client = kafkaClientFromConfig(config, ctx.logger);
  const admin = await client.admin();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [config.deadLetterTopic, target].filter((topic) => !existing.has(topic));
    if (missing.length > 0) throw new RelstreamError('RELSTREAM_TOPIC_MISSING', `missing Kafka topic${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}: nothing to replay from or to`);
  } finally {
    await admin.disconnect();
  }
  const signal = { received: false };
  const stopped = untilShutdownSignal().then(() => { signal.received = true; });

  // Earlier replays to the target: their dead letters are not sent again.
  const replayed = new Set<string>();
  const earlier = await readTopicToEnd(client, target, { idleMs, stopped, onMessage: (m) => { const id = replayedFrom(m.headers); if (id !== undefined) replayed.add(id); } });
  const scanned = await earlier.done;

  const counts = new Map<string, ReasonCounts>();
  const countsOf = (reason: string): ReasonCounts => {
    let c = counts.get(reason);
    if (c === undefined) counts.set(reason, (c = { matched: 0, sent: 0, alreadyReplayed: 0, truncated: 0 }));
    return c;
  };
  const producer: KafkaProducer | undefined = dryRun ? undefined : await client.producer();
  let chunk: OutgoingMessage[] = [];
  let read = 0;
  let sent = 0;
  const flush = async (): Promise<void> => {
    if (producer === undefined || chunk.length === 0) return;
    await producer.send(target, chunk);
    sent += chunk.length;
    chunk = [];
  };
  const bar = progressBar();
  let total = 0n;
  let endedBy: ReadEnd | undefined;
  try {
    const letters = await readTopicToEnd(client, config.deadLetterTopic, {
      idleMs, stopped,
      onMessage: async (letter) => {
        read++;
        bar.update(BigInt(read), total, `${read} dead letters read, ${sent + chunk.length} ${dryRun ? 'to send' : 'sent'}`);
        if (!matches(letter, filter)) return;
        const c = countsOf(reasonOf(letter));
        c.matched++;
        const id = deadLetterId(letter);
        if (isTruncated(letter)) c.truncated++;
        else if (replayed.has(id)) c.alreadyReplayed++;
        else {
          c.sent++;
          replayed.add(id);
          chunk.push(replayMessage(letter));
          if (chunk.length >= CHUNK) await flush();
        }
      },
    });
    total = letters.total;
    ({ endedBy } = await letters.done);
    await flush();
  } finally {
    bar.end();
    await producer?.disconnect();
  }
  for (const line of countsTable(counts, dryRun)) ctx.stdout(line);
  if (signal.received) {
    ctx.logger.warn('replay interrupted: run it again to send the rest (nothing is sent twice)', { from: config.deadLetterTopic, to: target, read, sent });
    return 130;
  }
  // How each read ended: 'idle' after a topic's last records is its transaction markers; 'end' is every partition read.
  ctx.logger.info(dryRun ? 'replay dry run: nothing sent' : 'dead letters replayed', { from: config.deadLetterTopic, to: target, read, sent, deadLettersEnded: endedBy, targetScanned: scanned.read, targetEnded: scanned.endedBy });
  return 0;
}
