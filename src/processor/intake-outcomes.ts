/**
 * Intake outcomes as one buffer, so they cross from an intake worker to the main thread as bytes (transferred,
 * not cloned) and are read there in place: a pair is where it starts in the buffer, and its token ids, labels and
 * event parts are views over the same memory made when used. Numbers in the platform's byte order (both threads
 * run on one machine), every field 4-byte aligned. Per outcome: a kind; a dead letter's reason and message; or a
 * record's id, its parts, its counts and its pairs (ids count and ids, span, labels count and labels, event parts
 * as length and bytes).
 */
import type { RecordTask } from '../commit/record-task.js';
import type { LabelRange } from '../decoding/decode-relation.js';
import { RelstreamError } from '../errors.js';
import { packFromWords, type SelfPackingPair } from '../inference/packed-pairs.js';
import type { PairParts, PartsWriter } from '../publish/event-bytes.js';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '../records/validate-record.js';
import type { JobPair, PairJob } from './pair-job.js';
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
  const bytes = new Uint8Array(buffer);
  let at = 0;
  // Through an Int32Array, as the reader's views: platform order on both sides, and one copy per array.
  const words = new Int32Array(buffer);
  const u32 = (value: number): void => {
    words[at >> 2] = value;
    at += 4;
  };
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
 * A pair read from an outcome buffer: where it starts, and views made only when asked for; its counts and
 * lengths are read from the buffer each time. A pair waits in the queue, in inference and for its event longer
 * than the main thread's young generation lives, so what it holds is promoted and marked again: one small object
 * per pair (it had been six views and arrays, then ten fields of offsets).
 */
class OutcomePair implements IntakePair, SelfPackingPair, JobPair, PairJob, PartsWriter, LabelRange {
  readonly #words: Int32Array;
  readonly #bytes: Buffer;
  /** Word index of the pair's ids count; its ids, span, labels count, labels and event parts follow. */
  readonly #at: number;
  #task: RecordTask | undefined;

  constructor(words: Int32Array, bytes: Buffer, at: number) {
    this.#words = words;
    this.#bytes = bytes;
    this.#at = at;
  }

  asJobOf(task: RecordTask): PairJob {
    this.#task = task;
    return this;
  }

  /** Its record's task; read only as a job, which asJobOf made it. */
  get task(): RecordTask {
    if (this.#task === undefined) throw new RelstreamError('RELSTREAM_INTERNAL', 'an intake pair was queued before its record\'s task was set');
    return this.#task;
  }

  get pair(): IntakePair {
    return this;
  }

  get length(): number {
    return this.tokenCount;
  }

  get tokenCount(): number {
    return this.#words[this.#at] ?? 0;
  }

  /** Word index of the labels count: after the ids and the span's four positions. */
  get #labelsCountAt(): number {
    return this.#at + 1 + this.tokenCount + 4;
  }

  /** Word index of the event id's length: after the labels. */
  get #idLengthAt(): number {
    const labelsCountAt = this.#labelsCountAt;
    return labelsCountAt + 1 + (this.#words[labelsCountAt] ?? 0);
  }

  get inputIds(): Int32Array {
    return this.#words.subarray(this.#at + 1, this.#at + 1 + this.tokenCount);
  }

  /** Its packed form, copied word by word from the outcome: no view per pair. */
  packInto(into: Int32Array, at: number): void {
    packFromWords(into, at, this.#words, this.#at + 1, this.tokenCount);
  }

  get spanIdxs(): readonly [number, number, number, number] {
    const at = this.#at + 1 + this.tokenCount;
    const w = this.#words;
    return [w[at] ?? 0, w[at + 1] ?? 0, w[at + 2] ?? 0, w[at + 3] ?? 0];
  }

  get allowedLabels(): Int32Array {
    return this.#words.subarray(this.labelsFrom, this.labelsFrom + this.labelsCount);
  }

  /** Its allowed labels where they lie, for decoding without a view (../decoding/decode-relation.ts). */
  get labelWords(): Int32Array {
    return this.#words;
  }

  get labelsFrom(): number {
    return this.#labelsCountAt + 1;
  }

  get labelsCount(): number {
    return this.#words[this.#labelsCountAt] ?? 0;
  }

  get parts(): PairParts {
    const idAt = 4 * (this.#idLengthAt + 1);
    const middleAt = 4 * (this.#middleLengthAt + 1);
    return { id: this.#bytes.subarray(idAt, idAt + this.idLength), middle: this.#bytes.subarray(middleAt, middleAt + this.middleLength) };
  }

  /** Word index of the middle part's length: after the event id's bytes. */
  get #middleLengthAt(): number {
    const idLengthAt = this.#idLengthAt;
    return idLengthAt + 1 + (align(this.#words[idLengthAt] ?? 0) >> 2);
  }

  get idLength(): number {
    return this.#words[this.#idLengthAt] ?? 0;
  }

  get middleLength(): number {
    return this.#words[this.#middleLengthAt] ?? 0;
  }

  /**
   * Its event parts copied from the outcome into an event (../publish/event-bytes.ts) by Buffer#copy, which takes
   * source offsets: no view per part, and as fast as TypedArray#set at these sizes.
   */
  writeId(into: Uint8Array, at: number): void {
    const from = 4 * (this.#idLengthAt + 1);
    this.#bytes.copy(into, at, from, from + this.idLength);
  }

  writeMiddle(into: Uint8Array, at: number): void {
    const from = 4 * (this.#middleLengthAt + 1);
    this.#bytes.copy(into, at, from, from + this.middleLength);
  }

  /** As a plain pair: for logs and for comparing with intake on the main thread. */
  toJSON(): IntakePair {
    return { inputIds: this.inputIds, spanIdxs: this.spanIdxs, allowedLabels: this.allowedLabels, parts: this.parts };
  }
}

/** The outcomes in `buffer`, read in place: nothing is copied but the strings, and a pair is offsets into it. */
export function readOutcomes(buffer: ArrayBuffer): RecordOutcome[] {
  const words = new Int32Array(buffer);
  const all = Buffer.from(buffer);
  let at = 0;
  const u32 = (): number => {
    const value = words[at >> 2] ?? 0;
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
      const pairAt = at >> 2;
      // Each length read first: `at += f()` would add to `at` as it was before f moved it.
      const ids = 4 * (u32() + 4);
      at += ids;
      const labels = 4 * u32();
      at += labels;
      const id = align(u32());
      at += id;
      const middle = align(u32());
      at += middle;
      pairs.push(new OutcomePair(words, all, pairAt));
    }
    outcomes.push({ kind: 'pairs', recordId, parts, pairs, languageFallback, truncated, typesNotAllowed });
  }
  return outcomes;
}
