/**
 * Runs one micro-batch: pad, infer in a worker, decode each pair, and hand every record the batch completed
 * to the sink (../publish/sink.ts). Delivery overlaps the next batch's inference (at most
 * `MAX_DELIVERIES_IN_FLIGHT`), so the GPU does not wait for Kafka acknowledgements. Completed records wait up to
 * `outputLingerMs`, or until a delivery slot is free, and go together: one produce request carries several
 * batches' events (a request costs far more CPU than an event in it: with the capacity probe's 32-pair batches,
 * one request per batch was a third of the main thread). While every slot is busy, inference goes on until
 * `outputBufferBytes` of events wait, as a Kafka producer's buffer does: stopping at the first batch made
 * inference wait out each produce round trip (kafkajs: 0.6x). A delivery takes all that waits, so what an outage
 * may send twice at-least-once grows with the buffer: by default it is a quarter of a request (kafkajs keeps a
 * request's worth, ../config/schema.ts). An unexpected error while building one record's events sends that record
 * to the dead-letter topic (internal_error); the batch goes on.
 */
import { SpanStatusCode } from '@opentelemetry/api';

import type { Acknowledged } from '../commit/assignments.js';
import type { RecordTask } from '../commit/record-task.js';
import type { Config } from '../config/schema.js';
import { decodeRelationInto, isLabelRange, type DecodedSlot } from '../decoding/decode-relation.js';
import { describeError } from '../errors.js';
import type { InferencePool } from '../inference/inference-pool.js';
import type { ModelBundle } from '../model/model-dir.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordTrace, Tracing } from '../observability/tracing.js';
import { isPartsWriter, type EventSplice } from '../publish/event-bytes.js';
import { traceOf, type Sink } from '../publish/sink.js';
import type { PairJob } from './pair-job.js';

export interface BatchRunnerDeps {
  readonly config: Pick<Config, 'minScore' | 'outputLingerMs' | 'outputBufferBytes'>;
  readonly bundle: ModelBundle;
  readonly pool: InferencePool;
  /** Writes each decoded pair's event from the parts intake encoded. */
  readonly splice: EventSplice;
  readonly metrics: Metrics;
  readonly sink: Sink;
  /** What the sink acknowledged: the record lifecycle's owner finishes them (../commit/assignments.ts). */
  readonly finish: (acknowledged: readonly Acknowledged[]) => void;
  /** With tracing on: an infer span per batch, linked to its records' spans. */
  readonly tracing?: Tracing;
  /** Inference or delivery failed for good: the records must be redelivered, so the owner stops. */
  readonly onFatal: (error: unknown) => void;
  readonly now?: () => number;
  /** After each batch's inference: its pairs and seconds (the batch-size controller's samples). */
  readonly onInferred?: (pairs: number, seconds: number) => void;
}

export interface BatchRunner {
  run(jobs: PairJob[], queuedAt: readonly number[]): Promise<void>;
  /** Resolves when every started delivery has finished; rejects if one failed. */
  flush(): Promise<void>;
}

const MAX_DELIVERIES_IN_FLIGHT = 2;

/** The traces of a batch's records, each once (a record's pairs may fill several rows). */
function recordTraces(jobs: readonly PairJob[]): RecordTrace[] {
  const traces = new Set<RecordTrace>();
  for (const { task } of jobs) if (task.trace) traces.add(task.trace);
  return [...traces];
}

export function createBatchRunner(deps: BatchRunnerDeps): BatchRunner {
  const { config, bundle, pool, metrics, sink } = deps;
  const publishing = new Set<Promise<void>>();
  let publishError: Error | undefined;
  const now = deps.now ?? (() => performance.now());
  const labels = bundle.config.labels;
  /** Each pair's decoding, read before the next: one for the runner. */
  const decoded: DecodedSlot = { labelId: -1, score: 0, rawLabelId: 0, rawScore: 0 };
  // Weak: a task whose partition is retired never completes here, and must not stay behind.
  const failures = new WeakMap<RecordTask, unknown>();

  /** Completed records waiting for the linger or a delivery slot, and the batches waiting for them to be taken. */
  let waiting: RecordTask[] = [];
  /** Bytes of the waiting records' events: inference waits for a delivery once `outputBufferBytes` wait. */
  let waitingBytes = 0;
  const taken: (() => void)[] = [];
  let linger: NodeJS.Timeout | undefined;

  function track(delivery: Promise<readonly Acknowledged[]>): void {
    const send = delivery.then(deps.finish, (error: unknown) => {
      publishError ??= error instanceof Error ? error : new Error(String(error));
      // Nothing more is sent: what waits is left to be redelivered, and its batches end.
      waiting = [];
      waitingBytes = 0;
      for (const resolve of taken.splice(0)) resolve();
      deps.onFatal(error);
    });
    publishing.add(send);
    void send.finally(() => {
      publishing.delete(send);
      startDeliveries();
    });
  }

  /** Sends every waiting record in one delivery, if a slot is free. */
  function startDeliveries(): void {
    if (waiting.length === 0 || publishing.size >= MAX_DELIVERIES_IN_FLIGHT || publishError !== undefined) return;
    clearTimeout(linger);
    linger = undefined;
    const tasks = waiting;
    waiting = [];
    waitingBytes = 0;
    track(sink.deliver(tasks));
    for (const resolve of taken.splice(0)) resolve();
  }

  /**
   * Queues completed records for delivery: sent when the linger is over, or at once with no linger. Resolves at
   * once while a delivery slot is free or less than `outputBufferBytes` waits, else once a delivery has taken them:
   * a slow broker slows inference down instead of growing memory (what waits is a linger's worth, or the buffer's
   * plus one batch per batch in flight).
   */
  function deliver(tasks: RecordTask[]): Promise<void> {
    if (tasks.length === 0) return Promise.resolve();
    for (const task of tasks) {
      waiting.push(task);
      for (const value of task.events) waitingBytes += value.length;
    }
    if (config.outputLingerMs === 0) startDeliveries();
    else linger ??= setTimeout(() => {
      linger = undefined;
      startDeliveries();
    }, config.outputLingerMs);
    if (waiting.length === 0 || publishing.size < MAX_DELIVERIES_IN_FLIGHT || waitingBytes < config.outputBufferBytes) return Promise.resolve();
    return new Promise((resolve) => { taken.push(resolve); });
  }

  function addEvent(job: PairJob, logits: Float32Array, row: number, processedAt: Buffer): void {
    const { task, pair } = job;
    const found = isLabelRange(pair)
      ? decodeRelationInto(decoded, logits, row, labels.length, pair.labelWords, config.minScore, pair.labelsFrom, pair.labelsCount)
      : decodeRelationInto(decoded, logits, row, labels.length, pair.allowedLabels, config.minScore);
    if (!found) {
      metrics.relationsBelowMinScore.inc();
      return;
    }
    task.events.push(deps.splice.event(task.parts, isPartsWriter(pair) ? pair : pair.parts, decoded.labelId, decoded.score, decoded.rawLabelId, decoded.rawScore, processedAt));
    task.relations.push(labels[decoded.labelId] ?? String(decoded.labelId));
  }

  async function infer(live: PairJob[]): Promise<Float32Array> {
    let longest = 0;
    let real = 0;
    for (const { length } of live) {
      real += length;
      if (length > longest) longest = length;
    }
    // What the worker pads to: every row to the longest.
    const padded = live.length * longest;
    metrics.batchPairs.observe(live.length);
    metrics.batchTokens.observe(padded);
    metrics.batchPaddingRatio.observe(padded === 0 ? 0 : (padded - real) / padded);
    metrics.batchesInFlight.inc();
    const span = deps.tracing?.batch(recordTraces(live), { pairs: live.length, paddedTokens: padded, provider: pool.provider });
    try {
      return await pool.run(live.map((j) => j.pair));
    } catch (error) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
      throw error;
    } finally {
      span?.end();
      metrics.batchesInFlight.dec();
    }
  }

  async function run(jobs: PairJob[], queuedAt: readonly number[]): Promise<void> {
    const started = now();
    for (const at of queuedAt) metrics.queueWaitSeconds.observe((started - at) / 1000);
    const live = jobs.filter((j) => !j.task.partition.retired);
    if (live.length === 0) return;
    let logits: Float32Array;
    try {
      logits = await infer(live);
    } catch (error) {
      // The session itself failed (not one record): stop, so the batch's records are redelivered.
      deps.onFatal(error);
      throw error;
    }
    const seconds = (now() - started) / 1000;
    metrics.inferenceSeconds.observe(seconds);
    deps.onInferred?.(live.length, seconds);

    const processedAt = deps.splice.timestamp(new Date());
    const completed: RecordTask[] = [];
    live.forEach((job, row) => {
      try {
        if (!failures.has(job.task)) addEvent(job, logits, row, processedAt);
      } catch (error) {
        failures.set(job.task, error);
      }
      if (--job.task.pairsPending === 0) completed.push(job.task);
    });
    if (publishError !== undefined) throw publishError;
    const failed = completed.filter((t) => failures.has(t));
    for (const task of failed) {
      metrics.internalErrors.inc({ stage: 'events' });
      const error = failures.get(task);
      failures.delete(task);
      track(sink.deadLetter({ state: task.partition, offset: task.offset, source: task.message, reason: 'internal_error', detail: describeError(error), ...traceOf(task) }));
    }
    await deliver(failed.length === 0 ? completed : completed.filter((t) => !failed.includes(t)));
  }

  async function flush(): Promise<void> {
    // A finished delivery starts the next with what waits, so the set refills until nothing waits.
    while (publishing.size > 0 || waiting.length > 0) {
      startDeliveries();
      await Promise.all(publishing);
    }
    if (publishError !== undefined) throw publishError;
  }

  return { run, flush };
}
