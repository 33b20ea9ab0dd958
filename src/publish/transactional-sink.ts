/**
 * Exactly-once: a finished record's events (or its dead letter) are staged, and a Kafka transaction commits
 * them together with the input offsets they cover, so a read_committed reader sees each relation once across
 * crashes. The sink owns the staged output and bounds it in bytes: when it fills, admission waits and asks the
 * committer (../commit/committer.ts) for a transaction now, under the same rebalance guard as every commit.
 *
 * A failed transaction is retried with a new producer instance under the same transactional id (kafkajs's
 * sequence state is unusable after a failure). Its InitProducerId completes or aborts the old transaction, and
 * the outcome of a commit whose reply was lost is unknown, so the retry first reads the group's committed
 * offsets: output whose offsets were committed is dropped instead of being sent a second time.
 */
import { commitPoint, generationOffset, type Acknowledged, type CommitPoint } from '../commit/assignments.js';
import type { PartitionState } from '../commit/record-task.js';
import type { Config } from '../config/schema.js';
import { describeError, RelstreamError } from '../errors.js';
import { retryKafka, type KafkaConnectivity } from '../kafka/connectivity.js';
import type { KafkaAdmin, KafkaProducer, KafkaTransaction, OutgoingMessage } from '../kafka/types.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { deadLetterMessage } from './dead-letter.js';
import { chunkByBytes, messageBytes } from './output-bounds.js';
import { recordOutput } from './record-output.js';
import { reportDeadLetter, reportProcessed, traceOf, type DeadLetter, type Sink } from './sink.js';

interface StagedOutput {
  readonly messages: readonly { readonly topic: string; readonly message: OutgoingMessage }[];
  readonly bytes: number;
  readonly onCommitted: () => void;
}

export interface TransactionalSinkDeps {
  readonly config: Pick<Config, 'outputTopic' | 'deadLetterTopic' | 'groupId' | 'maxMessageBytes' | 'transactionMaxStagedBytes'>;
  /** A new producer with the configured transactional id; the first one is made before the sink. */
  readonly newProducer: () => Promise<KafkaProducer>;
  readonly producer: KafkaProducer;
  readonly admin: KafkaAdmin;
  readonly connectivity: KafkaConnectivity;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}


export function transactionalSink(deps: TransactionalSinkDeps): Sink {
  const { config, metrics, logger } = deps;
  let producer = deps.producer;
  const staged = new Map<PartitionState, Map<bigint, StagedOutput>>();
  let stagedBytes = 0;
  let committing: Promise<CommitPoint[]> | undefined;
  let latestPoints: readonly CommitPoint[] = [];
  let roomWaiters: (() => void)[] = [];

  /** Stages a record's output; staged is what this sink acknowledges under exactly-once. */
  function stage(state: PartitionState, offset: bigint, output: StagedOutput): Acknowledged[] {
    if (state.retired) return [];
    let perPartition = staged.get(state);
    if (!perPartition) staged.set(state, (perPartition = new Map<bigint, StagedOutput>()));
    perPartition.set(offset, output);
    stagedBytes += output.bytes;
    metrics.stagedBytes.set(stagedBytes);
    return [{ state, offset }];
  }

  function unstage(state: PartitionState, offset: bigint): StagedOutput | undefined {
    const output = staged.get(state)?.get(offset);
    if (!output) return undefined;
    staged.get(state)?.delete(offset);
    stagedBytes -= output.bytes;
    metrics.stagedBytes.set(stagedBytes);
    return output;
  }

  const hasRoom = (): boolean => stagedBytes === 0 || stagedBytes < config.transactionMaxStagedBytes;

  function wake(): void {
    if (hasRoom()) for (const resolve of roomWaiters.splice(0)) resolve();
  }

  /** The staged output a transaction up to these points carries. */
  function readyFor(points: readonly CommitPoint[]): { state: PartitionState; offset: bigint; output: StagedOutput }[] {
    return points.flatMap((p) => [...(staged.get(p.state) ?? [])]
      .filter(([offset]) => offset < BigInt(p.offset))
      .map(([offset, output]) => ({ state: p.state, offset, output })));
  }

  /**
   * After a failed attempt: drops what the group's committed offsets show a transaction already committed, and
   * reports those offsets as durable.
   */
  async function dropCommitted(points: readonly CommitPoint[], durable: CommitPoint[]): Promise<CommitPoint[]> {
    const remaining: CommitPoint[] = [];
    for (const topic of new Set(points.map((p) => p.topic))) {
      // Stable offsets (KIP-447): the failed attempt's transaction may still be completing; offsets read from
      // before its commit marker would have its output sent a second time.
      const committed = new Map((await deps.admin.fetchCommittedOffsets(config.groupId, topic, { requireStable: true })).map((c) => [c.partition, BigInt(c.offset)]));
      for (const point of points.filter((p) => p.topic === topic)) {
        const upTo = committed.get(point.partition) ?? -1n;
        for (const offset of [...(staged.get(point.state)?.keys() ?? [])]) if (offset < upTo) unstage(point.state, offset)?.onCommitted();
        if (upTo >= 0n) durable.push(commitPoint(point.state, upTo));
        if (upTo < BigInt(point.offset)) remaining.push(point);
      }
    }
    return remaining;
  }

  async function send(tx: KafkaTransaction, ready: ReturnType<typeof readyFor>): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const { output } of ready) {
      for (const { topic, message } of output.messages) {
        const messages = byTopic.get(topic);
        if (messages) messages.push(message);
        else byTopic.set(topic, [message]);
      }
    }
    for (const [topic, messages] of byTopic) for (const chunk of chunkByBytes(messages, config.maxMessageBytes)) await tx.send(topic, chunk);
  }

  /** One transaction up to `points`, retried (../kafka/connectivity.ts) with a new producer after a failure. */
  async function commitOnce(points: readonly CommitPoint[]): Promise<CommitPoint[]> {
    let recovering = false;
    let replaceProducer = false;
    const durable: CommitPoint[] = [];
    await retryKafka(async () => {
      if (replaceProducer) {
        void producer.disconnect().catch(() => undefined);
        producer = await deps.newProducer();
        replaceProducer = false;
      }
      let live = points.filter((p) => !p.state.retired);
      if (recovering) live = await dropCommitted(live, durable);
      if (live.length === 0) return;
      const ready = readyFor(live);
      const started = performance.now();
      try {
        await producer.transaction(async (tx) => {
          await send(tx, ready);
          // A partition retired while the sends waited (a crash and rejoin, a revocation) commits nothing: the
          // transaction aborts. A fencing client also presents each state's generation, which closes the window
          // between this check and the commit.
          const retired = live.find((p) => p.state.retired);
          if (retired !== undefined) throw new RelstreamError('RELSTREAM_KAFKA_STALE_GENERATION', `${retired.topic}:${retired.partition} was retired during the transaction`, { retriable: true });
          await tx.sendOffsets(config.groupId, live.map(generationOffset));
        });
      } catch (error) {
        logger.warn('transaction failed; retrying with a new producer', { error: describeError(error) });
        replaceProducer = true;
        recovering = true;
        throw error;
      }
      metrics.publishSeconds.observe((performance.now() - started) / 1000);
      logger.debug('transaction committed', { offsets: live.map((p) => `${p.topic}:${p.partition}@${p.offset}`), records: ready.length });
      durable.push(...live);
      for (const { state, offset } of ready) unstage(state, offset)?.onCommitted();
    }, { connectivity: deps.connectivity, signal: deps.signal });
    return durable;
  }

  // One transaction at a time: ticks that come while one runs wait for it, then commit the newest points.
  async function commit(points: readonly CommitPoint[]): Promise<CommitPoint[]> {
    latestPoints = points;
    while (committing) await committing.catch(() => undefined);
    const running = commitOnce(latestPoints).finally(() => {
      committing = undefined;
      wake();
    });
    committing = running;
    return running;
  }

  return {
    deliver(tasks) {
      const acknowledged: Acknowledged[] = [];
      for (const task of tasks) {
        if (task.partition.retired) continue;
        const output = recordOutput(task, config.outputTopic, config.maxMessageBytes);
        if (output.kind === 'too-large') {
          acknowledged.push(...stageDeadLetter({ state: task.partition, offset: task.offset, source: task.message, reason: 'output_too_large', detail: output.detail, ...traceOf(task) }));
          continue;
        }
        // The closure keeps the timestamp, not the task: staged output must not hold the record's text.
        const { timestampMs } = task.message;
        const { trace } = task;
        acknowledged.push(...stage(task.partition, task.offset, {
          messages: output.messages.map((message) => ({ topic: config.outputTopic, message })),
          bytes: output.bytes,
          onCommitted: () => {
            trace?.sent();
            reportProcessed(metrics, [{ timestampMs, relations: output.relations }]);
          },
        }));
      }
      return Promise.resolve(acknowledged);
    },
    deadLetter: (letter) => Promise.resolve(stageDeadLetter(letter)),
    commit,
    hasRoom,
    whenRoom: () => (hasRoom() ? Promise.resolve() : new Promise<void>((resolve) => roomWaiters.push(resolve))),
    forget(states) {
      for (const state of states) {
        for (const offset of [...(staged.get(state)?.keys() ?? [])]) unstage(state, offset);
        staged.delete(state);
      }
      wake();
    },
    async close() {
      for (const resolve of roomWaiters.splice(0)) resolve();
      roomWaiters = [];
      await producer.disconnect();
    },
  };

  function stageDeadLetter(letter: DeadLetter): Acknowledged[] {
    const message = deadLetterMessage(letter.source, letter.reason, letter.detail, config.maxMessageBytes, letter.trace?.send(config.deadLetterTopic, 1, letter.reason));
    return stage(letter.state, letter.offset, {
      messages: [{ topic: config.deadLetterTopic, message }],
      bytes: messageBytes(message),
      onCommitted: () => {
        letter.trace?.sent();
        reportDeadLetter(metrics, logger, letter);
      },
    });
  }
}
