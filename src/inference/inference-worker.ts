/**
 * One inference worker thread with its own ONNX Runtime session. session.run blocks the thread that calls
 * it (onnxruntime-node, an open upstream issue), so it runs here and the main thread keeps consuming.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createLogger } from '../observability/logger.js';
import { padBatch, TensorBuffers } from './batch-tensors.js';
import { openModelSession, type SessionOptions } from './model-session.js';
import { unpackPairs } from './packed-pairs.js';

export interface WorkerInit {
  readonly onnxPath: string;
  readonly numLabels: number;
  readonly padId: number;
  readonly session: SessionOptions;
}

/** `pairs`: packed (./packed-pairs.ts), over memory shared with the pool that it does not write until the reply. */
export type WorkerRequest = { readonly id: number; readonly pairs: Int32Array } | { readonly close: true };
export type WorkerReply =
  | { readonly ready: true; readonly provider: 'cuda' | 'cpu' }
  | { readonly id: number; readonly logits: Float32Array }
  | ({ readonly id?: number } & WorkerError);

/** An error as it crosses the thread boundary: structured clone keeps plain fields, so these are spelled out. */
export interface WorkerError {
  readonly error: string;
  readonly code?: string | undefined;
  readonly retriable?: boolean | undefined;
  /** The original error's name, message and stack, for the cause on the main thread. */
  readonly cause?: { readonly name: string; readonly message: string; readonly stack?: string | undefined } | undefined;
}

function toWorkerError(error: unknown): WorkerError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; retriable?: unknown; cause?: unknown };
  const inner = shape.cause instanceof Error ? shape.cause : error instanceof Error ? error : undefined;
  return {
    error: error instanceof Error ? error.message : String(error),
    code: typeof shape.code === 'string' ? shape.code : undefined,
    retriable: shape.retriable === true,
    cause: inner ? { name: inner.name, message: inner.message, stack: inner.stack } : undefined,
  };
}

const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');
const init = workerData as WorkerInit;
const logger = createLogger({ bindings: { service: 'relstream', component: 'inference-worker' } });

try {
  const session = await openModelSession(init.onnxPath, init.numLabels, init.session, logger);
  const buffers = new TensorBuffers();
  // One batch at a time, in order: the tensors of the one before are reused for the next.
  let previous: Promise<void> = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    if ('close' in request) {
      void previous.then(() => session.close()).finally(() => { port.close(); });
      return;
    }
    previous = previous.then(() => session.run(padBatch(unpackPairs(request.pairs), init.padId, buffers))).then(
      (logits) => { port.postMessage({ id: request.id, logits } satisfies WorkerReply, [logits.buffer as ArrayBuffer]); },
      (error: unknown) => { port.postMessage({ id: request.id, ...toWorkerError(error) } satisfies WorkerReply); },
    );
  });
  port.postMessage({ ready: true, provider: session.provider } satisfies WorkerReply);
} catch (error) {
  port.postMessage(toWorkerError(error) satisfies WorkerReply);
}
