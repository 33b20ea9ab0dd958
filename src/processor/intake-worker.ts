/**
 * One intake worker thread (./intake-service.ts): its own tokenizer and intake over plain Avro input. A chunk
 * arrives as bytes and its outcomes leave as bytes (./intake-outcomes.ts), both transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { loadModelDir } from '../model/model-dir.js';
import { EventParts } from '../publish/event-bytes.js';
import type { ModelIdentity } from '../publish/relation-event.js';
import { avroType, trialRecordCodec } from '../records/avro.js';
import { writeOutcomes } from './intake-outcomes.js';
import { RecordIntake, type IntakeConfig, type RecordOutcome } from './record-intake.js';

export interface IntakeInit {
  readonly modelDir: string;
  readonly config: IntakeConfig;
  readonly model: ModelIdentity;
  /** The execution provider inference really runs on, which every event names. */
  readonly provider: string;
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
}

export type IntakeReply = { readonly ready: true } | { readonly id: number; readonly outcomes: ArrayBuffer } | { readonly id?: number; readonly error: string };

const port = parentPort;
if (!port) throw new Error('intake-worker must run in a worker thread');
const init = workerData as IntakeInit;

try {
  const bundle = await loadModelDir(init.modelDir);
  const intake = new RecordIntake(init.config, bundle, trialRecordCodec(), new EventParts(avroType('RelationEvent'), init.model, init.provider));
  port.on('message', (request: IntakeRequest) => {
    try {
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
