import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { decodeRelation, decodeRelationInto, softmax, type DecodedSlot } from '../../../src/decoding/decode-relation.js';

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

  it('decodes as a fresh softmax per pair would, whatever the models\' label counts one after another', () => {
    // decodeRelation reuses one array for its probabilities: nothing of an earlier call may show in a later one.
    const reference = (rowLogits: Float32Array, numLabels: number, allowed: readonly number[], minScore: number) => {
      const p = softmax(rowLogits, 0, numLabels);
      let raw = 0;
      for (let i = 1; i < numLabels; i++) if ((p[i] ?? 0) > (p[raw] ?? 0)) raw = i;
      let label = -1;
      for (const id of allowed) if (label < 0 || (p[id] ?? 0) > (p[label] ?? 0)) label = id;
      const score = p[label] ?? 0;
      return label < 0 || score < minScore ? undefined : { labelId: label, score, rawLabelId: raw, rawScore: p[raw] ?? 0 };
    };
    const call = fc.integer({ min: 1, max: 12 }).chain((numLabels) => fc.record({
      numLabels: fc.constant(numLabels),
      logits: fc.array(fc.float({ noNaN: true, min: -1000, max: 1000 }), { minLength: numLabels, maxLength: numLabels }),
      // Ids past the labels too (a pair rule the model does not know): they score 0.
      allowed: fc.array(fc.integer({ min: -1, max: 14 }), { maxLength: 5 }),
      minScore: fc.constantFrom(0, 0.1, 0.5),
      // Words around the allowed ids, as in an intake outcome's memory: decoding a range must not read them.
      before: fc.array(fc.integer({ min: -1, max: 14 }), { maxLength: 4 }),
      after: fc.array(fc.integer({ min: -1, max: 14 }), { maxLength: 4 }),
    }));
    fc.assert(fc.property(fc.array(call, { minLength: 1, maxLength: 6 }), (calls) => {
      for (const { numLabels, logits: values, allowed, minScore, before, after } of calls) {
        const row = Float32Array.from(values);
        const expected = reference(row, numLabels, allowed, minScore);
        assert.deepEqual(decodeRelation(row, 0, numLabels, allowed, minScore), expected);
        const slot: DecodedSlot = { labelId: -7, score: -7, rawLabelId: -7, rawScore: -7 };
        const words = Int32Array.from([...before, ...allowed, ...after]);
        const found = decodeRelationInto(slot, row, 0, numLabels, words, minScore, before.length, allowed.length);
        assert.equal(found, expected !== undefined);
        // Written where found, untouched where not.
        assert.deepEqual({ ...slot }, expected ?? { labelId: -7, score: -7, rawLabelId: -7, rawScore: -7 });
      }
    }), { numRuns: 2000 });
  });

  it('emits nothing below minScore', () => {
    assert.equal(decodeRelation(logits, 0, 3, [2], 0.5), undefined);
    assert.equal(decodeRelation(logits, 1, 3, [2], 0.5)?.labelId, 2);
  });
});
