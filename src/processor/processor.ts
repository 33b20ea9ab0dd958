/**
 * The stream processor: consume trial records, turn them into pair jobs, micro-batch them through the
 * inference pool, publish relation events, and commit each partition up to the highest record whose events
 * (and every earlier record's) are acknowledged. At-least-once; event ids make duplicates recognisable.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { MicroBatcher } from '../batching/micro-batcher.js';
import { PartitionProgress } from '../commit/partition-progress.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { InferencePool } from '../inference/inference-pool.js';
import type { BatchContext, GroupAssignment, IncomingBatch, KafkaClient, KafkaConsumer, KafkaProducer } from '../kafka/types.js';
import type { ModelBundle } from '../model/model-dir.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { deadLetterMessage } from '../publish/dead-letter.js';
import { relationEventCodec, trialRecordCodec } from '../records/avro.js';
import { createBatchRunner } from './batch-runner.js';
import { atLeastOnce, exactlyOnce, producerOptions, type Delivery } from './delivery.js';
import { RecordIntake } from './record-intake.js';
import type { PairJob, PartitionState } from './record-task.js';

export interface ProcessorDeps {
  readonly config: Config;
  readonly client: KafkaClient;
  readonly bundle: ModelBundle;
  readonly pool: InferencePool;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** A fatal error (inference or publishing failed past retries): the owner stops the process. */
  readonly onFatal: (error: unknown) => void;
}

export interface Processor {
  start(): Promise<void>;
  /** Stops fetching, finishes or abandons in-flight work within shutdownTimeoutMs, commits, leaves the group. */
  stop(): Promise<void>;
  /** In the consumer group with an assignment (the model is loaded before the processor exists). */
  isReady(): boolean;
}

const key = (topic: string, partition: number): string => `${topic}:${partition}`;

export function createProcessor(deps: ProcessorDeps): Processor {
  const { config, client, bundle, pool, metrics, logger } = deps;
  const partitions = new Map<string, PartitionState>();
  let consumer: KafkaConsumer | undefined;
  let producer: KafkaProducer | undefined;
  let joined = false;
  let stopping = false;
  let paused = false;
  let commitTimer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;
  let delivery: Delivery | undefined;
  const intake = new RecordIntake(config, bundle, trialRecordCodec(), metrics);

  let runner: ReturnType<typeof createBatchRunner> | undefined;
  const batcher = new MicroBatcher<PairJob>({
    maxPairs: config.batchMaxPairs,
    maxTokens: config.batchMaxTokens,
    maxWaitMs: config.batchMaxWaitMs,
    concurrency: config.inferenceConcurrency,
    capacityPairs: config.queueMaxPairs,
    run: async (jobs, queuedAt) => {
      try {
        await runner?.run(jobs, queuedAt);
      } catch (error) {
        logger.error('batch failed; stopping so its records are redelivered', { error });
        deps.onFatal(error);
        throw error;
      } finally {
        metrics.queuedPairs.set(batcher.queuedPairs);
      }
    },
  });

  function partitionState(topic: string, partition: number): PartitionState {
    const k = key(topic, partition);
    let state = partitions.get(k);
    if (!state) {
      state = { topic, partition, progress: new PartitionProgress(), staged: new Map(), revoked: false };
      partitions.set(k, state);
    }
    return state;
  }

  function onGroupJoin(assignment: GroupAssignment): void {
    const assigned = new Set(assignment.partitions.flatMap((p) => p.partitions.map((n) => key(p.topic, n))));
    for (const [k, state] of partitions) {
      if (assigned.has(k)) continue;
      // Revoked: abandon its in-flight work and commit nothing for it; the new owner starts at our last commit.
      state.revoked = true;
      partitions.delete(k);
      metrics.consumerLag.remove({ topic: state.topic, partition: String(state.partition) });
    }
    const abandoned = new Set(batcher.discard((job) => !job.task.partition.revoked).map((j) => j.task));
    joined = true;
    logger.info('joined the consumer group', { memberId: assignment.memberId, partitions: [...assigned], abandonedRecords: abandoned.size });
  }

  function setPaused(value: boolean): void {
    if (paused === value || !consumer) return;
    paused = value;
    const topics = [{ topic: config.inputTopic, partitions: [...partitions.values()].map((p) => p.partition) }];
    if (value) consumer.pause(topics);
    else consumer.resume(topics);
    metrics.consumerPaused.set(value ? 1 : 0);
  }

  async function admitWhenRoom(context: BatchContext): Promise<boolean> {
    if (batcher.hasRoom()) return true;
    setPaused(true);
    while (!batcher.hasRoom()) {
      await Promise.race([batcher.whenRoom(), sleep(config.heartbeatIntervalMs)]);
      if (!context.isActive() || stopping) return false;
      await context.heartbeat();
    }
    setPaused(false);
    return true;
  }

  async function eachBatch(batch: IncomingBatch, context: BatchContext): Promise<void> {
    const state = partitionState(batch.topic, batch.partition);
    for (const message of batch.messages) {
      if (stopping || !context.isActive() || state.revoked) return;
      if (!(await admitWhenRoom(context))) return;
      metrics.recordsConsumed.inc();
      state.progress.admit(BigInt(message.offset));
      const outcome = intake.take(message, state);
      if (outcome.kind === 'dead-letter') {
        await delivery?.deadLetter(state, BigInt(message.offset), deadLetterMessage(message, outcome.reason, outcome.message));
        metrics.recordsDeadLettered.inc({ reason: outcome.reason });
        logger.warn('record sent to the dead-letter topic', { topic: message.topic, partition: message.partition, offset: message.offset, reason: outcome.reason, detail: outcome.message });
        continue;
      }
      if (outcome.jobs.length === 0) {
        await delivery?.deliver([outcome.task]);
        continue;
      }
      for (const job of outcome.jobs) batcher.submit(job);
      metrics.queuedPairs.set(batcher.queuedPairs);
    }
    const last = batch.messages.at(-1);
    if (last) metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n)));
  }

  async function commit(): Promise<void> {
    metrics.recordsInFlight.set([...partitions.values()].reduce((n, p) => n + p.progress.inFlight, 0));
    await delivery?.commit();
  }

  async function stopNow(): Promise<void> {
    stopping = true;
    const deadline = Date.now() + config.shutdownTimeoutMs;
    const step = async (name: string, work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        logger.warn(`shutdown: ${name} failed`, { error: describeError(error) });
      }
    };
    if (commitTimer) clearInterval(commitTimer);
    await step('pause fetching', () => { setPaused(true); return Promise.resolve(); });
    const drained = async (): Promise<void> => {
      await batcher.whenIdle();
      await runner?.flush();
    };
    await step('finish in-flight batches', () => Promise.race([drained(), sleep(Math.max(0, deadline - Date.now() - 2000))]));
    if (batcher.queuedPairs > 0 || batcher.batchesInFlight > 0) {
      logger.warn('shutdown: abandoning unfinished work; it will be redelivered', { queuedPairs: batcher.queuedPairs, batchesInFlight: batcher.batchesInFlight });
    }
    batcher.close();
    await step('commit', commit);
    await step('leave the consumer group', () => consumer?.disconnect() ?? Promise.resolve());
    await step('flush and close the producer', () => producer?.disconnect() ?? Promise.resolve());
    logger.info('processor stopped');
  }

  return {
    async start() {
      producer = await client.producer(producerOptions(config));
      consumer = await client.consumer({ groupId: config.groupId, sessionTimeoutMs: config.sessionTimeoutMs, heartbeatIntervalMs: config.heartbeatIntervalMs });
      const deliveryDeps = { config, producer, consumer, codec: relationEventCodec(), metrics, logger, partitions: () => partitions.values(), onFatal: deps.onFatal };
      const chosen = config.deliveryGuarantee === 'exactly-once' ? exactlyOnce(deliveryDeps) : atLeastOnce(deliveryDeps);
      delivery = chosen;
      runner = createBatchRunner({
        config, bundle, pool, metrics, deliver: (tasks) => chosen.deliver(tasks),
        onPublishFailed: (error) => {
          logger.error('publishing relation events failed; stopping so their records are redelivered', { error });
          deps.onFatal(error);
        },
      });
      await consumer.run({
        topics: [config.inputTopic], fromBeginning: config.fromBeginning, eachBatch, onGroupJoin,
        onCrash: (error) => { logger.error('consumer crashed', { error }); deps.onFatal(error); },
      });
      commitTimer = setInterval(() => { void commit(); }, config.commitIntervalMs);
      logger.info('processor started', { inputTopic: config.inputTopic, outputTopic: config.outputTopic, groupId: config.groupId, provider: pool.provider, delivery: config.deliveryGuarantee });
    },
    stop: () => (stopped ??= stopNow()),
    isReady: () => joined && !stopping,
  };
}
