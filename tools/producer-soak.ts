/**
 * A concurrency soak of a Kafka adapter's idempotent producer, for the bug class seen upstream (concurrent
 * idempotent sends acknowledged with one offset, platformatic/kafka#326; out-of-order sequence numbers with
 * several requests in flight): `total` messages in batches, `inFlight` sends at a time, each message pinned to
 * a partition so every send's offset range is known. What must hold: the ranges the broker acknowledged never
 * overlap, every partition's log ends exactly where the acknowledged ranges end, and a consumer reads every
 * message back exactly once. Used by the integration suite (small) and `npm run bench -- --soak N` (10⁶).
 */
import { randomUUID } from 'node:crypto';

import type { KafkaClient } from '../src/kafka/types.js';

export interface SoakOptions {
  readonly total: number;
  readonly batch: number;
  readonly inFlight: number;
  readonly partitions: number;
}

export interface SoakOutcome {
  readonly sent: number;
  readonly produceSeconds: number;
  readonly readSeconds: number;
  /** Acknowledged offset ranges that overlap another send's: each is one message reported at a taken offset. */
  readonly overlappingAcks: number;
  /** Per partition: high watermark minus the messages acknowledged there (0 when nothing was lost or doubled). */
  readonly logMismatch: number;
  readonly readBack: number;
  readonly readTwice: number;
  readonly missing: number;
}

export async function producerSoak(client: KafkaClient, options: SoakOptions): Promise<SoakOutcome> {
  const topic = `soak.${randomUUID().slice(0, 8)}`;
  const admin = await client.admin();
  await admin.createTopics([{ topic, partitions: options.partitions }]);
  try {
    const producer = await client.producer({ idempotent: true });
    const ranges = new Map<number, { start: bigint; count: number }[]>();
    const started = performance.now();
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < options.total) {
        const first = next;
        const count = Math.min(options.batch, options.total - first);
        next += count;
        // One partition per send: its acknowledged base offset then covers exactly `count` messages.
        const partition = (first / options.batch) % options.partitions;
        const reports = await producer.send(topic, Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(String(first + i)), partition })));
        const report = reports.find((r) => r.partition === partition);
        if (!report) throw new Error(`no delivery report for partition ${partition}`);
        const list = ranges.get(partition) ?? [];
        list.push({ start: BigInt(report.baseOffset), count });
        ranges.set(partition, list);
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, sender));
    const produceSeconds = (performance.now() - started) / 1000;
    await producer.disconnect();

    let overlappingAcks = 0;
    let logMismatch = 0;
    const highs = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    for (let partition = 0; partition < options.partitions; partition++) {
      const list = (ranges.get(partition) ?? []).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      let end = 0n;
      let acked = 0;
      for (const range of list) {
        if (range.start < end) overlappingAcks += Number(end - range.start);
        end = range.start + BigInt(range.count) > end ? range.start + BigInt(range.count) : end;
        acked += range.count;
      }
      logMismatch += Math.abs(Number((highs.get(partition) ?? 0n) - BigInt(acked)));
    }

    const seen = new Uint8Array(options.total);
    let readBack = 0;
    let readTwice = 0;
    const readStarted = performance.now();
    const consumer = await client.consumer({ groupId: `soak-${randomUUID()}` });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => { done = resolve; });
    await consumer.run({
      topics: [topic], fromBeginning: true,
      eachBatch: (batch) => {
        for (const m of batch.messages) {
          const id = Number(m.value?.toString());
          if (seen[id] === 1) readTwice++;
          seen[id] = 1;
          readBack++;
        }
        if (readBack >= options.total) done();
        return Promise.resolve();
      },
    });
    const timeout = setTimeout(done, Math.max(60_000, options.total / 5));
    await finished;
    clearTimeout(timeout);
    const readSeconds = (performance.now() - readStarted) / 1000;
    await consumer.disconnect();
    const missing = seen.reduce((n, s) => n + (s === 1 ? 0 : 1), 0);
    return { sent: options.total, produceSeconds, readSeconds, overlappingAcks, logMismatch, readBack, readTwice, missing };
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  }
}
