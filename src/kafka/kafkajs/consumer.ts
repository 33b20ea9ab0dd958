import type { Consumer as KjsConsumer } from 'kafkajs';

import type { ConsumerRunOptions, IncomingMessage, KafkaConsumer, TopicPartitionOffset } from '../types.js';
import { guarded, toRelstreamError } from './errors.js';

export function wrapConsumer(consumer: KjsConsumer): KafkaConsumer {
  let disconnecting: Promise<void> | undefined;
  return {
    run: (options: ConsumerRunOptions) => guarded('consume', async () => {
      const { GROUP_JOIN, CRASH, REBALANCING, FETCH } = consumer.events;
      if (options.onGroupJoin) {
        const onGroupJoin = options.onGroupJoin;
        consumer.on(GROUP_JOIN, (event) => {
          onGroupJoin({
            memberId: event.payload.memberId,
            // kafkajs does not report the generation; it would go unused, since kafkajs cannot fence.
            generationId: -1,
            partitions: Object.entries(event.payload.memberAssignment).map(([topic, partitions]) => ({ topic, partitions })),
          });
        });
      }
      if (options.onCrash) {
        const onCrash = options.onCrash;
        // kafkajs restarts the consumer itself after a retriable crash (payload.restart); only the rest is final.
        consumer.on(CRASH, (event) => { onCrash(toRelstreamError(event.payload.error, 'consume'), event.payload.restart); });
      }
      if (options.onRebalancing) {
        const onRebalancing = options.onRebalancing;
        consumer.on(REBALANCING, () => { onRebalancing(); });
      }
      if (options.onFetch) {
        const onFetch = options.onFetch;
        consumer.on(FETCH, () => { onFetch(); });
      }
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
      await consumer.run({
        // Nothing is committed behind our back: the caller commits what it has finished. Auto-resolve only
        // advances the fetch position once eachBatch returns, so the next fetch does not repeat the batch.
        autoCommit: false,
        eachBatchAutoResolve: true,
        // relstream's kafkajs patch awaits it before the JoinGroup of a rebalance (every partition goes: eager).
        ...(options.onRevoking === undefined ? {} : { beforeRevoke: options.onRevoking }),
        eachBatch: async (payload) => {
          const { batch } = payload;
          const messages: IncomingMessage[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: toHeaders(m.headers),
            timestampMs: Number(m.timestamp),
          }));
          await options.eachBatch(
            { topic: batch.topic, partition: batch.partition, highWatermark: batch.highWatermark, messages },
            { heartbeat: () => payload.heartbeat(), isActive: () => payload.isRunning() && !payload.isStale() },
          );
        },
      });
    }),
    commitOffsets: (offsets: readonly TopicPartitionOffset[]) => guarded('commitOffsets', () =>
      consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })))),
    // kafkajs has no call that joins again while running; the watchdog falls back to failing /healthz.
    rejoinGroup: () => undefined,
    seekToCommitted: (offset) => { consumer.seek({ topic: offset.topic, partition: offset.partition, offset: offset.offset }); },
    pause: (partitions) => { consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }))); },
    resume: (partitions) => { consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }))); },
    disconnect: () => (disconnecting ??= guarded('disconnect', () => consumer.disconnect())),
  };
}

function toHeaders(headers: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, Buffer>> {
  const out: [string, Buffer][] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (Buffer.isBuffer(value)) out.push([name, value]);
    else if (typeof value === 'string') out.push([name, Buffer.from(value)]);
  }
  // fromEntries: a header named __proto__ is a header like any other, not the object's prototype.
  return Object.fromEntries(out);
}
