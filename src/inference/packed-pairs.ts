/**
 * A batch's pairs as one Int32Array, the form in which they cross to an inference worker: the count, then per
 * pair its length, its four span positions and its token ids. Unpadded (a quarter of the padded int64 tensors'
 * bytes or less) and written into memory the pool keeps shared with the worker, so sending a batch allocates
 * nothing: padding the tensors anew on the main thread, and transferring them, had been a sixth of its time.
 */
import type { EncodedPair } from '../encoding/splice-encoder.js';

const HEAD = 5;

/**
 * A pair that writes its packed form itself: one read from an intake outcome (../processor/intake-outcomes.ts)
 * copies it from the outcome's memory, where its inputIds and spanIdxs would each be made anew per call.
 */
export interface SelfPackingPair extends EncodedPair {
  readonly tokenCount: number;
  /** Writes its length, span and ids at `at` of `into`. */
  packInto(into: Int32Array, at: number): void;
}

function isSelfPacking(pair: EncodedPair): pair is SelfPackingPair {
  return 'packInto' in pair;
}

/** A pair's token count, without making its ids' view where it has one to make. */
export function tokenCount(pair: EncodedPair): number {
  return isSelfPacking(pair) ? pair.tokenCount : pair.inputIds.length;
}

/**
 * Writes one pair at `at` of `into` from `words`, where its `count` ids start at `idsAt` and its span's four
 * positions follow them: how a SelfPackingPair packs itself without views.
 */
export function packFromWords(into: Int32Array, at: number, words: Int32Array, idsAt: number, count: number): void {
  into[at] = count;
  for (let i = 0; i < 4; i++) into[at + 1 + i] = words[idsAt + count + i] ?? 0;
  for (let i = 0; i < count; i++) into[at + HEAD + i] = words[idsAt + i] ?? 0;
}

/** Int32s that `pairs` take packed. */
export function packedLength(pairs: readonly EncodedPair[]): number {
  let total = 1;
  for (const p of pairs) total += HEAD + tokenCount(p);
  return total;
}

/** Writes `pairs` at the start of `into` (at least packedLength long); returns the part written. */
export function packPairs(pairs: readonly EncodedPair[], into: Int32Array): Int32Array {
  into[0] = pairs.length;
  let at = 1;
  for (const pair of pairs) {
    if (isSelfPacking(pair)) {
      pair.packInto(into, at);
      at += HEAD + pair.tokenCount;
      continue;
    }
    const { inputIds, spanIdxs } = pair;
    into[at] = inputIds.length;
    into[at + 1] = spanIdxs[0];
    into[at + 2] = spanIdxs[1];
    into[at + 3] = spanIdxs[2];
    into[at + 4] = spanIdxs[3];
    into.set(inputIds, at + HEAD);
    at += HEAD + inputIds.length;
  }
  return into.subarray(0, at);
}

/** The pairs in `packed`, their ids as views over it (nothing copied). */
export function unpackPairs(packed: Int32Array): EncodedPair[] {
  const pairs: EncodedPair[] = [];
  let at = 1;
  for (let n = packed[0] ?? 0; n > 0; n--) {
    const length = packed[at] ?? 0;
    pairs.push({
      inputIds: packed.subarray(at + HEAD, at + HEAD + length),
      spanIdxs: [packed[at + 1] ?? 0, packed[at + 2] ?? 0, packed[at + 3] ?? 0, packed[at + 4] ?? 0],
    });
    at += HEAD + length;
  }
  return pairs;
}
