import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeRelation, softmax } from '../../../src/decoding/decode-relation.js';

describe('decodeRelation', () => {
  // Two rows of three labels.
  const logits = Float32Array.from([2, 1, 0, 0, 0, 5]);

  it('softmax sums to one and is stable for large logits', () => {
    const p = softmax([1000, 1000]);
    assert.deepEqual([...p], [0.5, 0.5]);
    const q = softmax(logits, 0, 3);
    assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('picks the best label the pair types allow, keeping the raw argmax beside it', () => {
    const decoded = decodeRelation(logits, 0, 3, [1, 2], 0);
    assert.ok(decoded);
    assert.equal(decoded.labelId, 1);
    assert.equal(decoded.rawLabelId, 0);
    assert.ok(Math.abs(decoded.score - (softmax(logits, 0, 3)[1] ?? NaN)) < 1e-12);
  });

  it('emits nothing below minScore', () => {
    assert.equal(decodeRelation(logits, 0, 3, [2], 0.5), undefined);
    assert.equal(decodeRelation(logits, 1, 3, [2], 0.5)?.labelId, 2);
  });
});
