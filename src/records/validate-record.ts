/**
 * Checks a decoded record before any work is spent on it. A record that fails is not an error of the
 * service: it goes to the dead-letter topic with one of these reasons, and the stream goes on.
 */
import type { CodePointIndex } from '../pairs/code-points.js';
import type { TrialRecord } from './avro.js';

export const DEAD_LETTER_REASONS = [
  'malformed_avro',
  'missing_id',
  'text_too_long',
  'too_many_entities',
  'duplicate_entity_id',
  'unknown_entity_type',
  'offsets_out_of_range',
  'offsets_inverted',
  'too_many_pairs',
  'id_too_long',
  'output_too_large',
  'internal_error',
] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface RecordLimits {
  readonly maxTextLength: number;
  readonly maxEntitiesPerRecord: number;
}

/** Ids are copied into every event and key: a bound keeps one record's output proportional to its pairs. */
export const MAX_RECORD_ID_LENGTH = 1024;
export const MAX_ENTITY_ID_LENGTH = 256;

export type Validation = { readonly ok: true } | { readonly ok: false; readonly reason: DeadLetterReason; readonly message: string };

const fail = (reason: DeadLetterReason, message: string): Validation => ({ ok: false, reason, message });

/** `text` indexes record.text (built once per record by the caller, who needs it again later). */
export function validateRecord(record: TrialRecord, text: CodePointIndex, limits: RecordLimits, knownTypes: ReadonlySet<string>): Validation {
  if (record.id.length === 0) return fail('missing_id', 'record id is empty');
  if (record.id.length > MAX_RECORD_ID_LENGTH) return fail('id_too_long', `record id has ${record.id.length} UTF-16 units, more than ${MAX_RECORD_ID_LENGTH}`);
  if (text.length > limits.maxTextLength) {
    return fail('text_too_long', `text has ${text.length} code points, more than the limit of ${limits.maxTextLength}`);
  }
  if (record.entities.length > limits.maxEntitiesPerRecord) {
    return fail('too_many_entities', `${record.entities.length} entities, more than the limit of ${limits.maxEntitiesPerRecord}`);
  }
  const ids = new Set<string>();
  for (const entity of record.entities) {
    if (entity.id.length > MAX_ENTITY_ID_LENGTH) return fail('id_too_long', `an entity id has ${entity.id.length} UTF-16 units, more than ${MAX_ENTITY_ID_LENGTH}`);
    if (ids.has(entity.id)) return fail('duplicate_entity_id', `entity id ${entity.id} appears more than once`);
    ids.add(entity.id);
    if (!knownTypes.has(entity.type)) return fail('unknown_entity_type', `entity ${entity.id} has unknown type "${entity.type}"`);
    if (entity.start < 0 || entity.end > text.length) {
      return fail('offsets_out_of_range', `entity ${entity.id} [${entity.start}, ${entity.end}) is outside the text (0..${text.length} code points)`);
    }
    if (entity.start >= entity.end) return fail('offsets_inverted', `entity ${entity.id} has start ${entity.start} >= end ${entity.end}`);
  }
  return { ok: true };
}
