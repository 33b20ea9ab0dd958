/**
 * Intake outcomes as one buffer, so they cross from an intake worker to the main thread as bytes (transferred,
 * not cloned) and are read there in place: a pair is its fields' offsets, and its token ids, labels and event
 * parts are views over the same memory made when used. Little-endian, every field 4-byte aligned. Per outcome: a
 * kind; a dead letter's reason and message; or a record's id, its parts, its counts and its pairs (ids, span,
 * labels, event parts).
 */
import { packFromWords, type SelfPackingPair } from '../inference/packed-pairs.js';
import type { PairParts } from '../publish/event-bytes.js';
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

/**
 * A pair read from an outcome buffer: where its fields are in the chunk's memory, and views made only when asked
 * for. A pair waits in the queue, in inference and for its event longer than the main thread's young generation
 * lives, so what it holds is promoted and marked again: one object of offsets instead of six views and arrays
 * (0.85x the old-generation garbage per pair, as the bench measured it then: README).
 */
class OutcomePair implements IntakePair, SelfPackingPair {
  readonly #words: Int32Array;
  readonly #bytes: Buffer;
  /** Word index of the first token id; the span's four positions follow the ids. */
  readonly #idsAt: number;
  readonly #idsCount: number;
  readonly #labelsAt: number;
  readonly #labelsCount: number;
  /** Byte offsets and lengths of the event id and middle parts. */
  readonly #idAt: number;
  readonly #idLength: number;
  readonly #middleAt: number;
  readonly #middleLength: number;

  constructor(words: Int32Array, bytes: Buffer, idsAt: number, idsCount: number, labelsAt: number, labelsCount: number, idAt: number, idLength: number, middleAt: number, middleLength: number) {
    this.#words = words;
    this.#bytes = bytes;
    this.#idsAt = idsAt;
    this.#idsCount = idsCount;
    this.#labelsAt = labelsAt;
    this.#labelsCount = labelsCount;
    this.#idAt = idAt;
    this.#idLength = idLength;
    this.#middleAt = middleAt;
    this.#middleLength = middleLength;
  }

  get inputIds(): Int32Array {
    return this.#words.subarray(this.#idsAt, this.#idsAt + this.#idsCount);
  }

  get tokenCount(): number {
    return this.#idsCount;
  }

  /** Its packed form, copied word by word from the outcome: no view per pair. */
  packInto(into: Int32Array, at: number): void {
    packFromWords(into, at, this.#words, this.#idsAt, this.#idsCount);
  }

  get spanIdxs(): readonly [number, number, number, number] {
    const at = this.#idsAt + this.#idsCount;
    const w = this.#words;
    return [w[at] ?? 0, w[at + 1] ?? 0, w[at + 2] ?? 0, w[at + 3] ?? 0];
  }

  get allowedLabels(): Int32Array {
    return this.#words.subarray(this.#labelsAt, this.#labelsAt + this.#labelsCount);
  }

  get parts(): PairParts {
    return { id: this.#bytes.subarray(this.#idAt, this.#idAt + this.#idLength), middle: this.#bytes.subarray(this.#middleAt, this.#middleAt + this.#middleLength) };
  }

  /** As a plain pair: for logs and for comparing with intake on the main thread. */
  toJSON(): IntakePair {
    return { inputIds: this.inputIds, spanIdxs: this.spanIdxs, allowedLabels: this.allowedLabels, parts: this.parts };
  }
}

/** The outcomes in `buffer`, read in place: nothing is copied but the strings, and a pair is offsets into it. */
export function readOutcomes(buffer: ArrayBuffer): RecordOutcome[] {
  const view = new DataView(buffer);
  const words = new Int32Array(buffer);
  const all = Buffer.from(buffer);
  let at = 0;
  const u32 = (): number => {
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  const bytes = (): Buffer => {
    const length = u32();
    const value = all.subarray(at, at + length);
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
      const idsCount = u32();
      const idsAt = at >> 2;
      at += 4 * (idsCount + 4);
      const labelsCount = u32();
      const labelsAt = at >> 2;
      at += 4 * labelsCount;
      const idLength = u32();
      const idAt = at;
      at += align(idLength);
      const middleLength = u32();
      const middleAt = at;
      at += align(middleLength);
      pairs.push(new OutcomePair(words, all, idsAt, idsCount, labelsAt, labelsCount, idAt, idLength, middleAt, middleLength));
    }
    outcomes.push({ kind: 'pairs', recordId, parts, pairs, languageFallback, truncated, typesNotAllowed });
  }
  return outcomes;
}
