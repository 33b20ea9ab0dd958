/**
 * The Kafka passthrough (issue 19): what Kafka itself allows on this machine for relstream's traffic. One process
 * with relstream's own client adapter reads the input topic in a consumer group, writes for each record as many
 * events of the same size as relstream wrote for it (the volume measured from its run), and commits the offsets
 * of what was sent every second; no decoding, no pairs, no model. Started by ./pipeline.bench.ts as a child, as
 * relstream is, so that its CPU is measured the same way, and its consumer fetches as relstream's does (the
 * configuration's fetch sizes, from the same environment: a client's own default may be larger than its heap).
 *
 *   node dist/bench/passthrough-member.js BROKERS CLIENT INPUT OUTPUT RECORDS EVENTS EVENT_BYTES [WARMUP_RECORDS]
 *
 * Prints `started` once it joined the group, `warm EVENTS` once WARMUP_RECORDS records' events are written (with
 * how many), and one JSON line when every record's events are written; exits once their offsets are committed.
 */
import { loadConfig } from '../src/config/load-config.js';
import { KAFKA_CLIENTS } from '../src/kafka/client-kinds.js';
import { fetchSizes } from '../src/kafka/connection-from-config.js';
import { createKafkaClient } from '../src/kafka/create-client.js';
import type { IncomingBatch, OutgoingMessage, TopicPartitionOffset } from '../src/kafka/types.js';
import { silentLogger } from '../src/observability/logger.js';

const COMMIT_INTERVAL_MS = 1000;
/** A produce request's payload at most (under the broker's and relstream's 1 MB message bound). */
const SEND_BYTES = 512 * 1024;

const [brokers = '', kindName = '', input = '', output = '', recordsArg = '0', eventsArg = '0', eventBytesArg = '0', warmupArg = '0'] = process.argv.slice(2);
const kind = KAFKA_CLIENTS.find((k) => k === kindName);
if (kind === undefined) throw new Error(`passthrough: unknown client ${kindName}`);
const records = Number(recordsArg);
const events = Number(eventsArg);
const eventBytes = Number(eventBytesArg);
const warmupRecords = Number(warmupArg);
let warm = false;

const client = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-passthrough' }, silentLogger, kind);
const producer = await client.producer({ idempotent: true });
const consumer = await client.consumer({ groupId: `bench-passthrough-${process.pid}`, ...fetchSizes(loadConfig({ env: process.env, flags: { kafkaClient: kind } })) });
const value = Buffer.alloc(eventBytes, 0x61);
let recordsSeen = 0;
/** Records whose events are all written (what a commit may cover). */
let recordsSent = 0;
let eventsSent = 0;
const sentUpTo = new Map<number, string>();
let committedCount = 0;

/** Events for the next record: spread so that `records` records make exactly `events` events. */
function eventsFor(index: number): number {
  return Math.floor(((index + 1) * events) / records) - Math.floor((index * events) / records);
}

async function eachBatch(batch: IncomingBatch): Promise<void> {
  let chunk: OutgoingMessage[] = [];
  let chunkBytes = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    await producer.send(output, chunk);
    eventsSent += chunk.length;
    chunk = [];
    chunkBytes = 0;
  };
  for (const message of batch.messages) {
    for (let i = eventsFor(recordsSeen); i > 0; i--) {
      chunk.push({ key: message.key, value });
      chunkBytes += eventBytes;
      if (chunkBytes >= SEND_BYTES) await flush();
    }
    recordsSeen++;
  }
  await flush();
  recordsSent += batch.messages.length;
  if (!warm && warmupRecords > 0 && recordsSent >= warmupRecords) {
    warm = true;
    process.stdout.write(`warm ${eventsSent}\n`);
  }
  const last = batch.messages.at(-1);
  if (last !== undefined) sentUpTo.set(batch.partition, (BigInt(last.offset) + 1n).toString());
}

async function commit(): Promise<void> {
  const covered = recordsSent;
  const offsets: TopicPartitionOffset[] = [...sentUpTo].map(([partition, offset]) => ({ topic: input, partition, offset }));
  if (offsets.length > 0) await consumer.commitOffsets(offsets);
  committedCount = covered;
}

let started = false;
await consumer.run({
  topics: [input], fromBeginning: true, eachBatch,
  onGroupJoin: () => {
    if (!started) process.stdout.write('started\n');
    started = true;
  },
});
const timer = setInterval(() => { commit().catch(() => undefined); }, COMMIT_INTERVAL_MS);
// Done as relstream's run counts it: every record's events written; the offsets follow at the next commit.
while (recordsSent < records) await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(`${JSON.stringify({ records: recordsSent, events: eventsSent })}\n`);
while (committedCount < records) await new Promise((resolve) => setTimeout(resolve, 50));
clearInterval(timer);
await consumer.disconnect();
await producer.disconnect();
