/**
 * `inferenceConcurrency` worker threads, each with its own session; a batch goes to an idle worker. The
 * micro-batcher never has more batches in flight than workers, so a batch never waits here.
 */
import { Worker } from 'node:worker_threads';

import { ERROR_CODES, RelstreamError, type ErrorCode } from '../errors.js';
import type { BatchInputs } from './batch-tensors.js';
import type { WorkerError, WorkerInit, WorkerReply, WorkerRequest } from './inference-worker.js';
import type { ExecutionProvider } from './model-session.js';

interface PoolWorker {
  readonly worker: Worker;
  busy: boolean;
}

export interface InferencePool {
  /** The provider that really runs (every worker reports the same; a fallback in one is a fallback in all). */
  readonly provider: ExecutionProvider;
  run(batch: BatchInputs): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Rebuilds a worker's error on this thread: code, retriable and the original as the cause. */
function asError(reply: WorkerError): RelstreamError {
  const code = (reply.code !== undefined && reply.code in ERROR_CODES ? reply.code : 'RELSTREAM_MODEL_SESSION') as ErrorCode;
  const cause = reply.cause ? Object.assign(new Error(reply.cause.message), { name: reply.cause.name, stack: reply.cause.stack }) : undefined;
  return new RelstreamError(code, reply.error, { retriable: reply.retriable ?? false, cause });
}

function startWorker(init: WorkerInit): Promise<{ worker: Worker; provider: ExecutionProvider }> {
  const worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: init });
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: WorkerReply) => {
      if ('ready' in reply) resolve({ worker, provider: reply.provider });
      else if ('error' in reply) {
        void worker.terminate();
        reject(asError(reply));
      }
    });
    worker.once('error', reject);
  });
}

export async function startInferencePool(init: WorkerInit, concurrency: number): Promise<InferencePool> {
  const started = await Promise.allSettled(Array.from({ length: concurrency }, () => startWorker(init)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const ok = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  if (failed) {
    await Promise.all(ok.map((w) => w.worker.terminate()));
    throw failed.reason;
  }
  const workers: PoolWorker[] = ok.map((w) => ({ worker: w.worker, busy: false }));
  const provider = ok[0]?.provider ?? 'cpu';
  const pending = new Map<number, { resolve: (logits: Float32Array) => void; reject: (error: Error) => void; worker: PoolWorker }>();
  let nextId = 0;

  for (const entry of workers) {
    entry.worker.on('message', (reply: WorkerReply) => {
      if (!('id' in reply)) return;
      const job = pending.get(reply.id);
      if (!job) return;
      pending.delete(reply.id);
      job.worker.busy = false;
      if ('logits' in reply) job.resolve(reply.logits);
      else if ('error' in reply) job.reject(asError(reply));
    });
    entry.worker.on('error', (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      for (const [id, job] of pending) {
        if (job.worker !== entry) continue;
        pending.delete(id);
        job.reject(new RelstreamError('RELSTREAM_MODEL_SESSION', `inference worker failed: ${message}`, { cause: error }));
      }
    });
  }

  return {
    provider,
    run: (batch) => {
      const entry = workers.find((w) => !w.busy) ?? workers[nextId % workers.length];
      if (!entry) return Promise.reject(new RelstreamError('RELSTREAM_MODEL_SESSION', 'no inference workers'));
      entry.busy = true;
      const id = nextId++;
      return new Promise<Float32Array>((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: entry });
        const request: WorkerRequest = { id, batch };
        entry.worker.postMessage(request, [batch.inputIds.buffer, batch.attentionMask.buffer, batch.tokenTypeIds.buffer, batch.spanIdxs.buffer] as ArrayBuffer[]);
      });
    },
    close: async () => {
      await Promise.all(workers.map(async ({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => { resolve(); }));
        worker.postMessage({ close: true } satisfies WorkerRequest);
        const timeout = setTimeout(() => { void worker.terminate(); }, 5000);
        await exited;
        clearTimeout(timeout);
      }));
    },
  };
}
