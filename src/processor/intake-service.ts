/**
 * Where intake runs. A pool of worker threads (`intakeWorkers`, sized to the machine by default), each with its
 * own tokenizer and intake: the main thread sends a chunk of one partition's messages as one buffer of bytes
 * (transferred), and gets the outcomes back as one buffer (./intake-outcomes.ts), so no record or pair is ever
 * structured-cloned and the main thread keeps Kafka I/O, admission, the commit lifecycle and metrics. Framed input's
 * writer schemas are loaded from the registry by the main thread (the processor, before admission) and travel as
 * text with each chunk that names them. Or the main thread itself (`intakeWorkers=0`, and the deterministic
 * simulation), with the same outcomes.
 */
import { Worker } from 'node:worker_threads';

import { RelstreamError } from '../errors.js';
import type { WriterSchemaTexts } from '../registry/registry-codecs.js';
import { schemaIdOf } from '../registry/wire-format.js';
import { readOutcomes } from './intake-outcomes.js';
import type { IntakeInit, IntakeReply, IntakeRequest, IntakeWorkerData } from './intake-worker.js';
import type { IntakeMessage, RecordIntake, RecordOutcome } from './record-intake.js';

export interface IntakeService {
  /** The outcome of each message, in order (messages of one partition). Rejects only if a worker failed. */
  take(messages: readonly IntakeMessage[]): Promise<RecordOutcome[]>;
  /** Worker threads doing intake; 0 on the main thread. */
  readonly workers: number;
  close(): Promise<void>;
}

export function inThreadIntake(intake: RecordIntake): IntakeService {
  return {
    workers: 0,
    take: (messages) => Promise.resolve(messages.map((m) => intake.take(m))),
    close: () => Promise.resolve(),
  };
}

/** One chunk as bytes: the values one after another, their lengths (-1: no value) and offsets; framed, its schemas. */
function pack(messages: readonly IntakeMessage[], texts: WriterSchemaTexts | undefined): Omit<IntakeRequest, 'id'> {
  let total = 0;
  for (const m of messages) total += m.value?.length ?? 0;
  const buffer = new ArrayBuffer(total);
  const values = new Uint8Array(buffer);
  const lengths = new Int32Array(messages.length);
  const offsets = new BigInt64Array(messages.length);
  let at = 0;
  messages.forEach((m, i) => {
    offsets[i] = BigInt(m.offset);
    if (m.value === null) {
      lengths[i] = -1;
      return;
    }
    values.set(m.value, at);
    lengths[i] = m.value.length;
    at += m.value.length;
  });
  const first = messages[0];
  return { topic: first?.topic ?? '', partition: first?.partition ?? 0, values: buffer, lengths, offsets, schemas: texts === undefined ? [] : schemasOf(messages, texts) };
}

/**
 * The writer schemas a chunk's framed values name, as [id, text]. One the main thread no longer holds (dropped for
 * its bound since admission) is left out: a worker that learnt it from an earlier chunk decodes the record, one that
 * did not answers as this thread would, a dead letter saying the schema was not loaded.
 */
function schemasOf(messages: readonly IntakeMessage[], texts: WriterSchemaTexts): [number, string][] {
  const named = new Map<number, string>();
  for (const m of messages) {
    const id = m.value === null ? undefined : schemaIdOf(m.value);
    if (id === undefined || named.has(id)) continue;
    const text = texts.textOf(id);
    if (text !== undefined) named.set(id, text);
  }
  return [...named];
}

interface PoolWorker {
  readonly worker: Worker;
  pending: number;
}

function startWorker(init: IntakeWorkerData): Promise<Worker> {
  const worker = new Worker(new URL('./intake-worker.js', import.meta.url), { workerData: init, name: 'intake' });
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: IntakeReply) => {
      if ('ready' in reply) resolve(worker);
      else if ('error' in reply) {
        void worker.terminate();
        reject(new RelstreamError('RELSTREAM_INTAKE_WORKER', `an intake worker did not start: ${reply.error}`));
      }
    });
    worker.once('error', reject);
  });
}

/** `size` intake workers; with `framed`, input values are framed and `framed` holds the writer schemas they name. */
export async function startIntakePool(init: IntakeInit, size: number, framed?: WriterSchemaTexts): Promise<IntakeService> {
  const data: IntakeWorkerData = { ...init, framed: framed !== undefined };
  const started = await Promise.allSettled(Array.from({ length: size }, () => startWorker(data)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failed) {
    await Promise.all(ok.map((w) => w.terminate()));
    throw failed.reason;
  }
  const workers: PoolWorker[] = ok.map((worker) => ({ worker, pending: 0 }));
  const waiting = new Map<number, { resolve: (outcomes: RecordOutcome[]) => void; reject: (error: Error) => void; entry: PoolWorker }>();
  let nextId = 0;
  let closing = false;

  const failAll = (entry: PoolWorker, why: string, cause?: unknown): void => {
    for (const [id, job] of waiting) {
      if (job.entry !== entry) continue;
      waiting.delete(id);
      job.reject(new RelstreamError('RELSTREAM_INTAKE_WORKER', `intake worker failed: ${why}`, { cause }));
    }
  };
  for (const entry of workers) {
    entry.worker.on('message', (reply: IntakeReply) => {
      if (!('id' in reply)) return;
      const job = waiting.get(reply.id);
      if (!job) return;
      waiting.delete(reply.id);
      entry.pending--;
      if ('outcomes' in reply) job.resolve(readOutcomes(reply.outcomes));
      else job.reject(new RelstreamError('RELSTREAM_INTAKE_WORKER', `intake worker failed: ${reply.error}`));
    });
    entry.worker.on('error', (error: unknown) => { failAll(entry, error instanceof Error ? error.message : String(error), error); });
    entry.worker.on('exit', (code) => { if (!closing) failAll(entry, `exited with ${code}`); });
  }

  return {
    workers: workers.length,
    take: (messages) => {
      if (messages.length === 0) return Promise.resolve([]);
      // The least loaded worker: a chunk never waits behind a longer one while another worker is idle.
      const entry = workers.reduce<PoolWorker | undefined>((best, w) => (best === undefined || w.pending < best.pending ? w : best), undefined);
      if (entry === undefined) return Promise.reject(new RelstreamError('RELSTREAM_INTAKE_WORKER', 'no intake workers'));
      const id = nextId++;
      const request: IntakeRequest = { id, ...pack(messages, framed) };
      entry.pending++;
      return new Promise<RecordOutcome[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject, entry });
        entry.worker.postMessage(request, [request.values, request.lengths.buffer as ArrayBuffer, request.offsets.buffer as ArrayBuffer]);
      });
    },
    close: async () => {
      closing = true;
      // A chunk still in intake is abandoned with the stop: its records were not finished, so they are redelivered.
      for (const [id, job] of waiting) {
        waiting.delete(id);
        job.reject(new RelstreamError('RELSTREAM_SHUTDOWN', 'intake stopped with the process'));
      }
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}
