/**
 * From one pair's logits to a relation: softmax over all labels, then the highest-scoring label the pair's
 * types allow. The model has no "no relation" class, so `minScore` is what keeps weak guesses out.
 */
/** Label ids a pair's types allow: an array, or a view over intake's outcome buffer (../processor/intake-outcomes.ts). */
export type LabelIds = readonly number[] | Int32Array;

export interface DecodedRelation {
  readonly labelId: number;
  /** Probability of labelId under the softmax over all labels. */
  readonly score: number;
  /** The unconstrained argmax, recorded for analysis. */
  readonly rawLabelId: number;
  readonly rawScore: number;
}

export function softmax(logits: Float32Array | readonly number[], offset = 0, count = logits.length): Float64Array {
  return softmaxInto(logits, offset, count, new Float64Array(count));
}

/** softmax written into `out` (at least `count` long): decoding reuses one per thread, not one per pair. */
function softmaxInto(logits: Float32Array | readonly number[], offset: number, count: number, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i] ?? -Infinity);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const value = Math.exp((logits[offset + i] ?? -Infinity) - max);
    out[i] = value;
    sum += value;
  }
  for (let i = 0; i < count; i++) out[i] = (out[i] ?? 0) / sum;
  return out;
}

/** decodeRelation's probabilities: read before it returns, so one array serves every call. */
let scratch = new Float64Array(8);

/** decodeRelationInto's answer, written in place: decoding a batch allocates nothing per pair. */
export type DecodedSlot = { -readonly [K in keyof DecodedRelation]: DecodedRelation[K] };

/** Decodes row `row` of a [B, L] logits buffer; undefined when the best allowed label scores below minScore. */
export function decodeRelation(
  logits: Float32Array, row: number, numLabels: number, allowedLabels: LabelIds, minScore: number,
): DecodedRelation | undefined {
  const slot: DecodedSlot = { labelId: -1, score: 0, rawLabelId: 0, rawScore: 0 };
  return decodeRelationInto(slot, logits, row, numLabels, allowedLabels, minScore) ? slot : undefined;
}

/**
 * A pair whose allowed label ids are `labelsCount` words from `labelsFrom` of `labelWords` (an intake outcome's
 * memory, ../processor/intake-outcomes.ts): decoded without a view of them.
 */
export interface LabelRange {
  readonly labelWords: Int32Array;
  readonly labelsFrom: number;
  readonly labelsCount: number;
}

export const isLabelRange = (pair: object): pair is LabelRange => 'labelWords' in pair;

/**
 * decodeRelation written into `slot`: false, the slot untouched, where decodeRelation gives undefined. The allowed
 * ids are `count` of `allowedLabels` from `from` (all of them by default).
 */
export function decodeRelationInto(
  slot: DecodedSlot, logits: Float32Array, row: number, numLabels: number, allowedLabels: LabelIds, minScore: number,
  from = 0, count = allowedLabels.length,
): boolean {
  if (scratch.length < numLabels) scratch = new Float64Array(numLabels);
  const probabilities = softmaxInto(logits, row * numLabels, numLabels, scratch);
  let rawLabelId = 0;
  for (let i = 1; i < numLabels; i++) if ((probabilities[i] ?? 0) > (probabilities[rawLabelId] ?? 0)) rawLabelId = i;
  let labelId = -1;
  let score = 0;
  for (let i = from; i < from + count; i++) {
    const id = allowedLabels[i] ?? -1;
    // The scratch may be longer than this model's labels: an id past them scores 0, as it always has.
    const probability = id >= 0 && id < numLabels ? probabilities[id] ?? 0 : 0;
    if (labelId < 0 || probability > score) {
      labelId = id;
      score = probability;
    }
  }
  if (labelId < 0 || score < minScore) return false;
  slot.labelId = labelId;
  slot.score = score;
  slot.rawLabelId = rawLabelId;
  slot.rawScore = probabilities[rawLabelId] ?? 0;
  return true;
}
