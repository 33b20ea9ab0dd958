/**
 * How finished records leave the processor. at-least-once: events are sent as soon as their record is done
 * and offsets are committed separately, up to the contiguous finished point; a crash in between repeats work
 * (duplicates carry the same event ids). exactly-once: events and dead letters are staged per partition and
 * committed in one Kafka transaction together with the input offsets they cover, so a read_committed reader
 * sees each relation once across crashes.
 */
import { hostname } from 'node:os';

import type { Config } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { KafkaConsumer, KafkaProducer, OutgoingMessage, ProducerOptions } from '../kafka/types.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Codec, RelationEvent } from '../records/avro.js';
import type { PartitionState, RecordTask, StagedOutput } from './record-task.js';

export interface Delivery {
  /** Records whose every pair is decoded (their events are in task.events). */
  deliver(tasks: readonly RecordTask[]): Promise<void>;
  /** A record that goes to the dead-letter topic instead. */
  deadLetter(partition: PartitionState, offset: bigint, message: OutgoingMessage): Promise<void>;
  /** Makes finished work durable: commits offsets (and, exactly-once, the staged output with them). */
  commit(): Promise<void>;
}

export interface DeliveryDeps {
  readonly config: Config;
  readonly producer: KafkaProducer;
  readonly consumer: KafkaConsumer;
  readonly codec: Codec<RelationEvent>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly partitions: () => Iterable<PartitionState>;
  /** A failure after which this process must stop so its uncommitted records are redelivered. */
  readonly onFatal: (error: unknown) => void;
}

/** Messages per produce request: a request must stay under the broker's message.max.bytes (1 MiB default). */
const SEND_CHUNK = 500;

async function sendInChunks(send: (messages: readonly OutgoingMessage[]) => Promise<unknown>, messages: readonly OutgoingMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += SEND_CHUNK) await send(messages.slice(i, i + SEND_CHUNK));
}

export function producerOptions(config: Config): ProducerOptions {
  if (config.deliveryGuarantee === 'at-least-once') return { idempotent: true };
  return { transactionalId: config.transactionalId || `${config.groupId}-${hostname()}-${process.pid}`, transactionTimeoutMs: 30_000 };
}

function commitPoints(partitions: Iterable<PartitionState>): { state: PartitionState; topic: string; partition: number; offset: string }[] {
  return [...partitions].flatMap((state) => {
    const point = state.progress.commitPoint();
    return point === undefined || state.revoked ? [] : [{ state, topic: state.topic, partition: state.partition, offset: point.toString() }];
  });
}

function finished(deps: DeliveryDeps, task: RecordTask): void {
  task.partition.progress.finish(task.offset);
  deps.metrics.recordsProcessed.inc();
  deps.metrics.endToEndSeconds.observe(Math.max(0, Date.now() - task.message.timestampMs) / 1000);
}

export function atLeastOnce(deps: DeliveryDeps): Delivery {
  const { config, producer, consumer, codec, metrics } = deps;
  return {
    async deliver(tasks) {
      const live = tasks.filter((t) => !t.partition.revoked);
      const events = live.flatMap((t) => t.events);
      if (events.length > 0) {
        const started = performance.now();
        await sendInChunks((chunk) => producer.send(config.outputTopic, chunk), events.map((e) => ({ key: e.recordId, value: codec.encode(e) })));
        metrics.publishSeconds.observe((performance.now() - started) / 1000);
        for (const e of events) metrics.relationsPublished.inc({ relation: e.relation });
      }
      // Checked again: a rebalance during the send may have revoked the partition; then nothing is committed.
      for (const task of live) if (!task.partition.revoked) finished(deps, task);
    },
    async deadLetter(partition, offset, message) {
      await producer.send(config.deadLetterTopic, [message]);
      partition.progress.finish(offset);
    },
    async commit() {
      const offsets = commitPoints(deps.partitions());
      if (offsets.length === 0) return;
      try {
        await consumer.commitOffsets(offsets);
        for (const o of offsets) o.state.progress.markCommitted(BigInt(o.offset));
      } catch (error) {
        // A rebalance in progress rejects commits; the next tick (or the new owner) takes it from here.
        deps.logger.warn('offset commit failed; will retry', { error: describeError(error) });
      }
    },
  };
}

export function exactlyOnce(deps: DeliveryDeps): Delivery {
  const { config, producer, codec, metrics } = deps;
  let committing: Promise<void> | undefined;

  function stage(partition: PartitionState, offset: bigint, output: StagedOutput): void {
    if (partition.revoked) return;
    partition.staged.set(offset, output);
    partition.progress.finish(offset);
  }

  async function commitNow(): Promise<void> {
    const offsets = commitPoints(deps.partitions());
    if (offsets.length === 0) return;
    const ready = offsets.flatMap((o) => [...o.state.staged].filter(([offset]) => offset < BigInt(o.offset)).map(([offset, output]) => ({ state: o.state, offset, output })));
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const { output } of ready) {
      for (const { topic, message } of output.messages) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
    }
    const started = performance.now();
    try {
      await producer.transaction(async (tx) => {
        for (const [topic, messages] of byTopic) await sendInChunks((chunk) => tx.send(topic, chunk), messages);
        await tx.sendOffsets(config.groupId, offsets);
      });
    } catch (error) {
      // Aborted, so nothing of it is visible. The producer's sequence state is unusable after a failed
      // transaction (kafkajs), so this process stops; a restart redelivers the records and fences this id.
      deps.logger.error('transaction aborted; stopping so its records are redelivered', { error: describeError(error) });
      deps.onFatal(error);
      return;
    }
    metrics.publishSeconds.observe((performance.now() - started) / 1000);
    for (const o of offsets) o.state.progress.markCommitted(BigInt(o.offset));
    for (const { state, offset, output } of ready) {
      state.staged.delete(offset);
      for (const relation of output.relations) metrics.relationsPublished.inc({ relation });
      if (output.processedTimestampMs !== undefined) {
        metrics.recordsProcessed.inc();
        metrics.endToEndSeconds.observe(Math.max(0, Date.now() - output.processedTimestampMs) / 1000);
      }
    }
  }

  return {
    deliver(tasks) {
      for (const task of tasks) {
        stage(task.partition, task.offset, {
          messages: task.events.map((e) => ({ topic: config.outputTopic, message: { key: e.recordId, value: codec.encode(e) } })),
          relations: task.events.map((e) => e.relation),
          processedTimestampMs: task.message.timestampMs,
        });
      }
      return Promise.resolve();
    },
    deadLetter(partition, offset, message) {
      stage(partition, offset, { messages: [{ topic: config.deadLetterTopic, message }], relations: [] });
      return Promise.resolve();
    },
    // One transaction at a time: ticks that come while one is running wait for it and then commit anew.
    async commit() {
      while (committing) await committing;
      committing = commitNow().finally(() => { committing = undefined; });
      await committing;
    },
  };
}
