/**
 * At-least-once: a finished record's events are sent at once (idempotent producer, acks from all in-sync
 * replicas) and its offset is committed separately, up to the contiguous finished point. A crash between the
 * two repeats work; the repeated events carry the same deterministic ids. Sends ride out a broker outage with
 * capped backoff (../kafka/connectivity.ts); only an outage past the tolerance stops the process.
 */
import type { Acknowledged, CommitPoint } from '../commit/assignments.js';
import type { PartitionState, RecordTask } from '../commit/record-task.js';
import type { Config } from '../config/schema.js';
import { describeError, RelstreamError } from '../errors.js';
import { retryKafka, type KafkaConnectivity } from '../kafka/connectivity.js';
import type { KafkaConsumer, KafkaProducer, OutgoingMessage } from '../kafka/types.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { deadLetterMessage } from './dead-letter.js';
import { chunkByBytes } from './output-bounds.js';
import { recordOutput } from './record-output.js';
import { reportDeadLetter, reportProcessed, traceOf, type DeadLetter, type Processed, type Sink } from './sink.js';

export interface AtLeastOnceSinkDeps {
  readonly config: Pick<Config, 'outputTopic' | 'deadLetterTopic' | 'maxMessageBytes'>;
  readonly producer: KafkaProducer;
  readonly consumer: KafkaConsumer;
  readonly connectivity: KafkaConnectivity;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

const isRetired = (state: PartitionState): boolean => state.retired;

export function atLeastOnceSink(deps: AtLeastOnceSinkDeps): Sink {
  const { config, producer, consumer, metrics, logger } = deps;
  const retry = { connectivity: deps.connectivity, signal: deps.signal };
  /** When offset commits started failing without a success since; past the tolerance the process stops. */
  let commitsFailingSince: number | undefined;

  async function send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    for (const chunk of chunkByBytes(messages, config.maxMessageBytes)) await retryKafka(() => producer.send(topic, chunk), retry);
  }

  async function deadLetter(letter: DeadLetter): Promise<Acknowledged[]> {
    if (letter.state.retired) return [];
    await send(config.deadLetterTopic, [deadLetterMessage(letter.source, letter.reason, letter.detail, config.maxMessageBytes, letter.trace?.send(config.deadLetterTopic, 1, letter.reason))]);
    letter.trace?.sent();
    // Checked again: a rebalance during the send may have retired the partition; then nothing is committed.
    if (isRetired(letter.state)) return [];
    reportDeadLetter(metrics, logger, letter);
    return [{ state: letter.state, offset: letter.offset }];
  }

  return {
    async deliver(tasks) {
      const sent: RecordTask[] = [];
      const events: OutgoingMessage[] = [];
      const tooLarge: DeadLetter[] = [];
      for (const task of tasks) {
        if (task.partition.retired) continue;
        const output = recordOutput(task, config.outputTopic, config.maxMessageBytes);
        if (output.kind === 'too-large') {
          tooLarge.push({ state: task.partition, offset: task.offset, source: task.message, reason: 'output_too_large', detail: output.detail, ...traceOf(task) });
          continue;
        }
        events.push(...output.messages);
        sent.push(task);
      }
      if (events.length > 0) {
        const started = performance.now();
        await send(config.outputTopic, events);
        metrics.publishSeconds.observe((performance.now() - started) / 1000);
      }
      const acknowledged: Acknowledged[] = [];
      const processed: Processed[] = [];
      for (const task of sent) {
        task.trace?.sent();
        if (task.partition.retired) continue;
        acknowledged.push({ state: task.partition, offset: task.offset });
        processed.push({ timestampMs: task.message.timestampMs, relations: task.relations });
      }
      reportProcessed(metrics, processed);
      for (const letter of tooLarge) acknowledged.push(...await deadLetter(letter));
      return acknowledged;
    },
    deadLetter,
    async commit(points: readonly CommitPoint[]) {
      const live = points.filter((p) => !p.state.retired);
      if (live.length === 0) return [];
      try {
        await consumer.commitOffsets(live);
        commitsFailingSince = undefined;
        deps.connectivity.ok();
        return live;
      } catch (error) {
        // A rebalance in progress rejects commits, and so does an unreachable broker: the next tick (or the
        // new owner) commits from the same ledger, so a failed commit loses nothing.
        if (error instanceof RelstreamError && error.retriable) deps.connectivity.failed(error);
        commitsFailingSince ??= deps.connectivity.now();
        const fatal = deps.connectivity.failingSince(commitsFailingSince, error);
        if (fatal) throw fatal;
        logger.warn('offset commit failed; will retry', { error: describeError(error) });
        return [];
      }
    },
    hasRoom: () => true,
    whenRoom: () => Promise.resolve(),
    forget: () => undefined,
    close: () => producer.disconnect(),
  };
}
