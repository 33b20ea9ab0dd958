/**
 * padBatch writes its int64 tensors through 32-bit low words (no BigInt per element). For arbitrary pairs and
 * pad ids it must give exactly the tensors of the plain BigInt fill, which is kept as the reference.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import fc from 'fast-check';

import { padBatch, TensorBuffers } from '../../../src/inference/batch-tensors.js';

const pair = fc.record({
  inputIds: fc.array(fc.integer({ min: 0, max: 250_000 }), { minLength: 1, maxLength: 80 }).map((ids) => Int32Array.from(ids)),
  spanIdxs: fc.tuple(fc.nat(511), fc.nat(511), fc.nat(511), fc.nat(511)),
});

it('the low-word fill equals the BigInt fill for any batch and pad id', () => {
  fc.assert(fc.property(fc.array(pair, { minLength: 1, maxLength: 24 }), fc.nat(1000), (pairs, padId) => {
    const fast = padBatch(pairs, padId, undefined, true);
    const reference = padBatch(pairs, padId, undefined, false);
    assert.equal(fast.sequenceLength, Math.max(...pairs.map((p) => p.inputIds.length)));
    assert.deepEqual(fast, reference);
  }), { numRuns: 300 });
});

it('reused tensor memory gives the tensors of new memory, batch after batch, whatever came before', () => {
  const buffers = new TensorBuffers();
  fc.assert(fc.property(fc.array(fc.array(pair, { minLength: 1, maxLength: 24 }), { minLength: 1, maxLength: 6 }), fc.nat(1000), (batches, padId) => {
    for (const pairs of batches) assert.deepEqual(padBatch(pairs, padId, buffers), padBatch(pairs, padId));
  }), { numRuns: 200 });
});
