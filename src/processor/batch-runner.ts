/**
 * Runs one micro-batch: pad, infer in a worker, decode each pair, and hand every record the batch completed
 * to the delivery (./delivery.ts). Delivery overlaps the next batch's inference (at most
 * `MAX_DELIVERIES_IN_FLIGHT`), so the GPU does not wait for Kafka acknowledgements.
 */
import type { Config } from '../config/schema.js';
import { decodeRelation } from '../decoding/decode-relation.js';
import { padBatch } from '../inference/batch-tensors.js';
import type { InferencePool } from '../inference/inference-pool.js';
import type { ModelBundle } from '../model/model-dir.js';
import type { Metrics } from '../observability/metrics.js';
import { modelIdentity, relationEvent } from '../publish/relation-event.js';
import type { PairJob, RecordTask } from './record-task.js';

export interface BatchRunnerDeps {
  readonly config: Config;
  readonly bundle: ModelBundle;
  readonly pool: InferencePool;
  readonly metrics: Metrics;
  /** Takes the records a batch completed (./delivery.ts). */
  readonly deliver: (tasks: readonly RecordTask[]) => Promise<void>;
  /** Delivery failed past the producer's own retries: its records must be redelivered, so the owner stops. */
  readonly onPublishFailed: (error: Error) => void;
  readonly now?: () => number;
}

const MAX_DELIVERIES_IN_FLIGHT = 4;

export function createBatchRunner(deps: BatchRunnerDeps) {
  const { config, bundle, pool, metrics } = deps;
  const publishing = new Set<Promise<void>>();
  let publishError: Error | undefined;
  const now = deps.now ?? (() => performance.now());
  const labels = bundle.config.labels;
  const model = modelIdentity(bundle.config);

  async function run(jobs: PairJob[], queuedAt: readonly number[]): Promise<void> {
    const started = now();
    for (const at of queuedAt) metrics.queueWaitSeconds.observe((started - at) / 1000);
    const live = jobs.filter((j) => !j.task.partition.revoked);
    if (live.length === 0) return;
    const inputs = padBatch(live.map((j) => j.pair), bundle.config.padId);
    const padded = inputs.batchSize * inputs.sequenceLength;
    const real = live.reduce((n, j) => n + j.length, 0);
    metrics.batchPairs.observe(inputs.batchSize);
    metrics.batchTokens.observe(padded);
    metrics.batchPaddingRatio.observe(padded === 0 ? 0 : (padded - real) / padded);

    metrics.batchesInFlight.inc();
    let logits: Float32Array;
    try {
      logits = await pool.run(inputs);
    } finally {
      metrics.batchesInFlight.dec();
    }
    metrics.inferenceSeconds.observe((now() - started) / 1000);

    const processedAt = new Date();
    const completed: RecordTask[] = [];
    live.forEach((job, row) => {
      const decoded = decodeRelation(logits, row, labels.length, job.allowedLabels, config.minScore);
      const { task } = job;
      if (decoded) {
        task.events.push(relationEvent({
          record: task.record, text: task.text, subjectIndex: job.subjectIndex, objectIndex: job.objectIndex,
          relation: labels[decoded.labelId] ?? String(decoded.labelId), score: decoded.score,
          rawRelation: labels[decoded.rawLabelId] ?? String(decoded.rawLabelId), rawScore: decoded.rawScore,
          model, provider: pool.provider, processedAt,
          provenance: { topic: task.message.topic, partition: task.message.partition, offset: Number(task.offset) },
        }));
      } else {
        metrics.relationsBelowMinScore.inc();
      }
      if (--task.pendingPairs === 0) completed.push(task);
    });
    if (publishError !== undefined) throw publishError;
    // Bound the sends in flight: a slow broker slows inference down instead of growing memory.
    while (publishing.size >= MAX_DELIVERIES_IN_FLIGHT) await Promise.race(publishing);
    const send = deps.deliver(completed).catch((error: unknown) => {
      publishError ??= error instanceof Error ? error : new Error(String(error));
      deps.onPublishFailed(publishError);
    });
    publishing.add(send);
    void send.finally(() => publishing.delete(send));
  }

  /** Resolves when every started send has been acknowledged; rejects if one failed. */
  async function flush(): Promise<void> {
    await Promise.all(publishing);
    if (publishError !== undefined) throw publishError;
  }

  return { run, flush };
}
