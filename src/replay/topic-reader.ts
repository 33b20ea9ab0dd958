/**
 * Reads a topic from its beginning to its end as it was when the read began, through a consumer of a fresh
 * group that commits nothing (read_committed, as every relstream consumer: an aborted transaction's records are
 * not read). A partition is done once its last offset was read. The last offsets of a topic written in
 * transactions (exactly-once writes its dead letters so) are transaction markers, which no consumer is handed:
 * the read also ends once no message came for `idleMs` after the last one — or, when none came at all, for
 * three times that after the first fetch (a client may hold its first delivery back while it reads the group's
 * stable offsets).
 */
import { randomUUID } from 'node:crypto';

import { describeError } from '../errors.js';
import type { IncomingMessage, KafkaClient, PartitionOffsets } from '../kafka/types.js';

export interface TopicReadOptions {
  readonly idleMs: number;
  readonly onMessage: (message: IncomingMessage) => Promise<void> | void;
  /** Ends the read early (Ctrl-C). */
  readonly stopped?: Promise<unknown>;
}

/** How a read ended: every partition read to its end, quiet for idleMs (markers at the end), or stopped. */
export type ReadEnd = 'end' | 'idle' | 'stopped';

export interface TopicRead {
  /** Messages in the topic when the read began (a bound: markers and aborted records count too). */
  readonly total: bigint;
  /** Once the read is over: the messages handed to onMessage and how it ended; rejects with onMessage's error. */
  readonly done: Promise<{ readonly read: number; readonly endedBy: ReadEnd }>;
}

export async function readTopicToEnd(client: KafkaClient, topic: string, options: TopicReadOptions): Promise<TopicRead> {
  const admin = await client.admin();
  let ends: PartitionOffsets[];
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  /** Per partition still to read, the offset it ends before. */
  const pending = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const total = ends.reduce((n, e) => n + BigInt(e.high) - BigInt(e.low), 0n);
  if (pending.size === 0) return { total, done: Promise.resolve({ read: 0, endedBy: 'end' }) };
  const consumer = await client.consumer({ groupId: `relstream-replay-${randomUUID()}` });
  let read = 0;
  let firstFetchAt: number | undefined;
  let lastAt: number | undefined;
  /** A batch is being handed on: its sends may take longer than idleMs, which is no idleness. */
  let handling = false;
  let failure: Error | undefined;
  let finish: (how: ReadEnd) => void = () => undefined;
  const finished = new Promise<ReadEnd>((resolve) => { finish = resolve; });
  await consumer.run({
    topics: [topic], fromBeginning: true,
    onFetch: () => { firstFetchAt ??= Date.now(); },
    eachBatch: async (batch) => {
      const end = pending.get(batch.partition);
      handling = true;
      try {
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          // Written after the read began, or of a partition already done (a redelivery after a rejoin).
          if (end === undefined || offset >= end) continue;
          await options.onMessage(message);
          read++;
          if (offset >= end - 1n) pending.delete(batch.partition);
        }
      } catch (error) {
        // The caller's failure (a send that failed for good) ends the read; it is what `done` rejects with.
        failure ??= error instanceof Error ? error : new Error(describeError(error));
        finish('stopped');
        return;
      } finally {
        handling = false;
        lastAt = Date.now();
      }
      if (pending.size === 0) finish('end');
    },
  });
  const idle = setInterval(() => {
    const quietSince = lastAt ?? (firstFetchAt === undefined ? undefined : firstFetchAt + 2 * options.idleMs);
    if (!handling && quietSince !== undefined && Date.now() - quietSince >= options.idleMs) finish('idle');
  }, Math.min(100, options.idleMs));
  const stopped = options.stopped?.then((): ReadEnd => 'stopped') ?? new Promise<never>(() => undefined);
  const done = Promise.race([finished, stopped]).then(async (endedBy) => {
    clearInterval(idle);
    await consumer.disconnect();
    if (failure !== undefined) throw failure;
    return { read, endedBy };
  });
  return { total, done };
}
