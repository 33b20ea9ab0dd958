/** Pads encoded pairs into the model's four int64 inputs: [B, T] ids, mask and type ids, [B, 4] span_idxs. */
import { endianness } from 'node:os';

import type { EncodedPair } from '../encoding/splice-encoder.js';

export interface BatchInputs {
  readonly batchSize: number;
  readonly sequenceLength: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  readonly spanIdxs: BigInt64Array;
}

/**
 * The int64 tensors are written through an Int32Array over their buffer: the low word of each element, the
 * high word left 0. Ids, positions and the mask are small and non-negative, and a BigInt per element (the
 * obvious way) costs more than the rest of the batch. Little-endian only: every platform onnxruntime-node ships
 * for is; elsewhere the BigInt path runs.
 */
const LOW_WORDS = endianness() === 'LE';

/**
 * Tensor memory reused from batch to batch by a thread that runs one batch at a time (an inference worker): a
 * new int64 tensor per input and batch was most of what sending a batch cost. Each input has its own memory,
 * grown as needed; a tensor is a zeroed view over its start.
 */
export class TensorBuffers {
  readonly #buffers: ArrayBuffer[] = [];

  /** A zeroed BigInt64Array of `length` over input `slot`'s memory; valid until the next call for the slot. */
  tensor(slot: number, length: number): BigInt64Array {
    let buffer = this.#buffers[slot];
    if (buffer === undefined || buffer.byteLength < 8 * length) {
      buffer = new ArrayBuffer(8 * Math.max(length, 2 * (buffer?.byteLength ?? 0) / 8));
      this.#buffers[slot] = buffer;
    } else {
      new Uint8Array(buffer, 0, 8 * length).fill(0);
    }
    return new BigInt64Array(buffer, 0, length);
  }
}

/**
 * `buffers`: reuse tensor memory (valid until the next batch padded with them); new tensors without.
 * `lowWords` is for the test that holds both fills equal.
 */
export function padBatch(pairs: readonly EncodedPair[], padId: number, buffers?: TensorBuffers, lowWords = LOW_WORDS): BatchInputs {
  const batchSize = pairs.length;
  let sequenceLength = 0;
  for (const p of pairs) if (p.inputIds.length > sequenceLength) sequenceLength = p.inputIds.length;
  const tensor = (slot: number, length: number): BigInt64Array => buffers?.tensor(slot, length) ?? new BigInt64Array(length);
  const inputIds = tensor(0, batchSize * sequenceLength);
  const attentionMask = tensor(1, batchSize * sequenceLength);
  const spanIdxs = tensor(2, batchSize * 4);
  if (lowWords) fillLowWords(pairs, padId, sequenceLength, inputIds, attentionMask, spanIdxs);
  else fillBigInts(pairs, padId, sequenceLength, inputIds, attentionMask, spanIdxs);
  return { batchSize, sequenceLength, inputIds, attentionMask, tokenTypeIds: tensor(3, batchSize * sequenceLength), spanIdxs };
}

function fillLowWords(pairs: readonly EncodedPair[], padId: number, length: number, inputIds: BigInt64Array, mask: BigInt64Array, spans: BigInt64Array): void {
  const ids = new Int32Array(inputIds.buffer);
  const ones = new Int32Array(mask.buffer);
  const positions = new Int32Array(spans.buffer);
  for (let row = 0; row < pairs.length; row++) {
    const pair = pairs[row];
    if (pair === undefined) continue;
    const source = pair.inputIds;
    let at = 2 * row * length;
    for (let i = 0; i < source.length; i++, at += 2) {
      ids[at] = source[i] ?? padId;
      ones[at] = 1;
    }
    if (padId !== 0) for (let i = source.length; i < length; i++, at += 2) ids[at] = padId;
    const [subjectOpen, subjectClose, objectOpen, objectClose] = pair.spanIdxs;
    positions[8 * row] = subjectOpen;
    positions[8 * row + 2] = subjectClose;
    positions[8 * row + 4] = objectOpen;
    positions[8 * row + 6] = objectClose;
  }
}

function fillBigInts(pairs: readonly EncodedPair[], padId: number, length: number, inputIds: BigInt64Array, mask: BigInt64Array, spans: BigInt64Array): void {
  inputIds.fill(BigInt(padId));
  pairs.forEach((pair, row) => {
    pair.inputIds.forEach((id, i) => {
      inputIds[row * length + i] = BigInt(id);
      mask[row * length + i] = 1n;
    });
    pair.spanIdxs.forEach((position, i) => { spans[row * 4 + i] = BigInt(position); });
  });
}
