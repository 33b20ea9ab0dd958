/**
 * Intake outcomes as one buffer, so they cross from an intake worker to the main thread as bytes (transferred,
 * not cloned) and are read there in place: token ids and labels as Int32Array views, event parts as Buffer views
 * over the same memory. Little-endian, every field 4-byte aligned. Per outcome: a kind; a dead letter's reason
 * and message; or a record's id, its parts, its counts and its pairs (ids, span, labels, event parts).
 */
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '../records/validate-record.js';
import type { IntakePair, RecordOutcome } from './record-intake.js';

const PAIRS = 0;
const DEAD_LETTER = 1;

const align = (n: number): number => (n + 3) & ~3;
const bytesField = (length: number): number => 4 + align(length);

function size(outcomes: readonly RecordOutcome[], encoded: readonly (Buffer | undefined)[]): number {
  let total = 4;
  outcomes.forEach((o, i) => {
    total += 4 + bytesField(encoded[i]?.length ?? 0);
    if (o.kind === 'dead-letter') return;
    total += bytesField(o.parts.recordId.length) + bytesField(o.parts.metadata.length) + 16;
    for (const p of o.pairs) total += 4 + 4 * p.inputIds.length + 16 + 4 + 4 * p.allowedLabels.length + bytesField(p.parts.id.length) + bytesField(p.parts.middle.length);
  });
  return total;
}

export function writeOutcomes(outcomes: readonly RecordOutcome[]): ArrayBuffer {
  // The one string of each outcome: a dead letter's message, or the record id.
  const strings = outcomes.map((o) => Buffer.from(o.kind === 'dead-letter' ? o.message : o.recordId));
  const buffer = new ArrayBuffer(size(outcomes, strings));
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  let at = 0;
  const u32 = (value: number): void => {
    view.setUint32(at, value, true);
    at += 4;
  };
  // Through an Int32Array, as the reader's views: platform order on both sides, and one copy per array.
  const words = new Int32Array(buffer);
  const ints = (values: ArrayLike<number>): void => {
    words.set(values, at >> 2);
    at += 4 * values.length;
  };
  const put = (value: Uint8Array): void => {
    u32(value.length);
    bytes.set(value, at);
    at += align(value.length);
  };
  u32(outcomes.length);
  outcomes.forEach((o, i) => {
    if (o.kind === 'dead-letter') {
      u32(DEAD_LETTER | (DEAD_LETTER_REASONS.indexOf(o.reason) << 8));
      put(strings[i] ?? Buffer.alloc(0));
      return;
    }
    u32(PAIRS);
    put(strings[i] ?? Buffer.alloc(0));
    put(o.parts.recordId);
    put(o.parts.metadata);
    u32(o.languageFallback ? 1 : 0);
    u32(o.truncated);
    u32(o.typesNotAllowed);
    u32(o.pairs.length);
    for (const p of o.pairs) {
      u32(p.inputIds.length);
      ints(p.inputIds);
      ints(p.spanIdxs);
      u32(p.allowedLabels.length);
      ints(p.allowedLabels);
      put(p.parts.id);
      put(p.parts.middle);
    }
  });
  return buffer;
}

/** The outcomes in `buffer`, as views over it: nothing is copied but the strings. */
export function readOutcomes(buffer: ArrayBuffer): RecordOutcome[] {
  const view = new DataView(buffer);
  let at = 0;
  const u32 = (): number => {
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  const ints = (count: number): Int32Array => {
    const values = new Int32Array(buffer, at, count);
    at += 4 * count;
    return values;
  };
  const bytes = (): Buffer => {
    const length = u32();
    const value = Buffer.from(buffer, at, length);
    at += align(length);
    return value;
  };
  const count = u32();
  const outcomes: RecordOutcome[] = [];
  for (let i = 0; i < count; i++) {
    const head = u32();
    if ((head & 0xff) === DEAD_LETTER) {
      const reason: DeadLetterReason = DEAD_LETTER_REASONS[head >>> 8] ?? 'internal_error';
      outcomes.push({ kind: 'dead-letter', reason, message: bytes().toString() });
      continue;
    }
    const recordId = bytes().toString();
    const parts = { recordId: bytes(), metadata: bytes() };
    const languageFallback = u32() === 1;
    const truncated = u32();
    const typesNotAllowed = u32();
    const pairs: IntakePair[] = [];
    for (let n = u32(); n > 0; n--) {
      const inputIds = ints(u32());
      const span = ints(4);
      const allowedLabels = ints(u32());
      pairs.push({ inputIds, spanIdxs: [span[0] ?? 0, span[1] ?? 0, span[2] ?? 0, span[3] ?? 0], allowedLabels, parts: { id: bytes(), middle: bytes() } });
    }
    outcomes.push({ kind: 'pairs', recordId, parts, pairs, languageFallback, truncated, typesNotAllowed });
  }
  return outcomes;
}
