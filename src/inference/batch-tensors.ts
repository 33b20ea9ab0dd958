/** Pads encoded pairs into the model's four int64 inputs: [B, T] ids, mask and type ids, [B, 4] span_idxs. */
import type { EncodedPair } from '../encoding/splice-encoder.js';

export interface BatchInputs {
  readonly batchSize: number;
  readonly sequenceLength: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  readonly spanIdxs: BigInt64Array;
}

export function padBatch(pairs: readonly EncodedPair[], padId: number): BatchInputs {
  const batchSize = pairs.length;
  const sequenceLength = pairs.reduce((longest, p) => Math.max(longest, p.inputIds.length), 0);
  const inputIds = new BigInt64Array(batchSize * sequenceLength).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(batchSize * sequenceLength);
  const spanIdxs = new BigInt64Array(batchSize * 4);
  pairs.forEach((pair, row) => {
    const offset = row * sequenceLength;
    pair.inputIds.forEach((id, i) => {
      inputIds[offset + i] = BigInt(id);
      attentionMask[offset + i] = 1n;
    });
    pair.spanIdxs.forEach((position, i) => { spanIdxs[row * 4 + i] = BigInt(position); });
  });
  return { batchSize, sequenceLength, inputIds, attentionMask, tokenTypeIds: new BigInt64Array(batchSize * sequenceLength), spanIdxs };
}
