/**
 * `inferenceConcurrency` worker threads, each with its own session; a batch goes to an idle worker. The
 * micro-batcher never has more batches in flight than workers, so a batch never waits here. A batch crosses as
 * its packed pairs (./packed-pairs.ts) in memory shared with its worker, reused while the worker is idle; the
 * worker pads the tensors in memory of its own, also reused.
 */
import { Worker } from 'node:worker_threads';

import { ERROR_CODES, RelstreamError, type ErrorCode } from '../errors.js';
import type { EncodedPair } from '../encoding/splice-encoder.js';
import { packedLength, packPairs } from './packed-pairs.js';
import type { WorkerError, WorkerInit, WorkerReply, WorkerRequest } from './inference-worker.js';
import type { ExecutionProvider } from './model-session.js';

interface PoolWorker {
  readonly worker: Worker;
  /** Batches sent and not yet answered: the worker runs them in order. */
  inFlight: number;
  /** Memory shared with the worker for the batch it is sent; written only while it has none in flight. */
  input: Int32Array;
}

/** Int32s of shared input memory a worker starts with: 64 pairs of 250 tokens, say. Grown when a batch needs it. */
const INPUT_INTS = 16_384;

const sharedInts = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * length));

export interface InferencePool {
  /** The provider that really runs (every worker reports the same; a fallback in one is a fallback in all). */
  readonly provider: ExecutionProvider;
  /** The logits of each pair, row after row. */
  run(pairs: readonly EncodedPair[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Rebuilds a worker's error on this thread: code, retriable and the original as the cause. */
function asError(reply: WorkerError): RelstreamError {
  const code = (reply.code !== undefined && reply.code in ERROR_CODES ? reply.code : 'RELSTREAM_MODEL_SESSION') as ErrorCode;
  const cause = reply.cause ? Object.assign(new Error(reply.cause.message), { name: reply.cause.name, stack: reply.cause.stack }) : undefined;
  return new RelstreamError(code, reply.error, { retriable: reply.retriable ?? false, cause });
}

function startWorker(init: WorkerInit): Promise<{ worker: Worker; provider: ExecutionProvider }> {
  const worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: init, name: 'inference' });
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
  const workers: PoolWorker[] = ok.map((w) => ({ worker: w.worker, inFlight: 0, input: sharedInts(INPUT_INTS) }));
  const provider = ok[0]?.provider ?? 'cpu';
  const pending = new Map<number, { resolve: (logits: Float32Array) => void; reject: (error: Error) => void; worker: PoolWorker }>();
  let nextId = 0;

  for (const entry of workers) {
    entry.worker.on('message', (reply: WorkerReply) => {
      if (!('id' in reply)) return;
      const job = pending.get(reply.id);
      if (!job) return;
      pending.delete(reply.id);
      job.worker.inFlight--;
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
    run: (pairs) => {
      const entry = workers.find((w) => w.inFlight === 0) ?? workers[nextId % workers.length];
      if (!entry) return Promise.reject(new RelstreamError('RELSTREAM_MODEL_SESSION', 'no inference workers'));
      const length = packedLength(pairs);
      // A worker with batches in flight may still read its memory: the batch gets memory of its own (never the
      // case when the micro-batcher sends, which waits for an idle worker).
      let into: Int32Array;
      if (entry.inFlight > 0) into = new Int32Array(length);
      else {
        if (entry.input.length < length) entry.input = sharedInts(Math.max(length, 2 * entry.input.length));
        into = entry.input;
      }
      entry.inFlight++;
      const id = nextId++;
      return new Promise<Float32Array>((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: entry });
        entry.worker.postMessage({ id, pairs: packPairs(pairs, into) } satisfies WorkerRequest);
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
