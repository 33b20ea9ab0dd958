/**
 * One intake worker thread (./intake-service.ts): its own tokenizer and intake, over plain Avro input or values
 * framed for a Schema Registry. A chunk arrives as bytes, with the text of each writer schema its framed values
 * name (the main thread loads them from the registry; the worker never asks it), and its outcomes leave as bytes
 * (./intake-outcomes.ts), both transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { loadModelDir } from '../model/model-dir.js';
import { EventParts } from '../publish/event-bytes.js';
import type { ModelIdentity } from '../publish/relation-event.js';
import { avroType, trialRecordCodec, type TrialRecord } from '../records/avro.js';
import { RegistryDecoder } from '../registry/registry-codecs.js';
import { RelstreamError } from '../errors.js';
import { writeOutcomes } from './intake-outcomes.js';
import { RecordIntake, type IntakeConfig, type RecordOutcome } from './record-intake.js';

export interface IntakeInit {
  readonly modelDir: string;
  readonly config: IntakeConfig;
  readonly model: ModelIdentity;
  /** The execution provider inference really runs on, which every event names. */
  readonly provider: string;
}

/** What a worker starts with: its intake, and whether input values are framed for a Schema Registry. */
export interface IntakeWorkerData extends IntakeInit {
  readonly framed: boolean;
}

export interface IntakeRequest {
  readonly id: number;
  readonly topic: string;
  readonly partition: number;
  /** The chunk's values one after another. */
  readonly values: ArrayBuffer;
  /** Each value's length; -1: no value (a tombstone). */
  readonly lengths: Int32Array;
  readonly offsets: BigInt64Array;
  /** Framed input: each writer schema the chunk's values name, as [id, text] (none for plain Avro). */
  readonly schemas: readonly (readonly [number, string])[];
}

export type IntakeReply = { readonly ready: true } | { readonly id: number; readonly outcomes: ArrayBuffer } | { readonly id?: number; readonly error: string };

const port = parentPort;
if (!port) throw new Error('intake-worker must run in a worker thread');
const init = workerData as IntakeWorkerData;

/** Framed input's writer schemas come with the chunks that name them; a miss here is the main thread's bug. */
const noRegistry = {
  schemaById: (id: number): Promise<string> => Promise.reject(new RelstreamError('RELSTREAM_INTAKE_WORKER', `writer schema ${id} was not sent with its chunk`)),
};

try {
  const bundle = await loadModelDir(init.modelDir);
  const framed = init.framed ? new RegistryDecoder<TrialRecord>('TrialRecord', noRegistry) : undefined;
  const intake = new RecordIntake(init.config, bundle, framed ?? trialRecordCodec(), new EventParts(avroType('RelationEvent'), init.model, init.provider));
  port.on('message', (request: IntakeRequest) => {
    try {
      for (const [id, text] of request.schemas) framed?.learn(id, text);
      const outcomes: RecordOutcome[] = [];
      let at = 0;
      for (let i = 0; i < request.lengths.length; i++) {
        const length = request.lengths[i] ?? -1;
        const value = length < 0 ? null : Buffer.from(request.values, at, length);
        if (length > 0) at += length;
        outcomes.push(intake.take({ topic: request.topic, partition: request.partition, offset: String(request.offsets[i] ?? 0n), value }));
      }
      const bytes = writeOutcomes(outcomes);
      port.postMessage({ id: request.id, outcomes: bytes } satisfies IntakeReply, [bytes]);
    } catch (error) {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies IntakeReply);
    }
  });
  port.postMessage({ ready: true } satisfies IntakeReply);
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies IntakeReply);
}
