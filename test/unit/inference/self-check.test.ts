/** The start-up self-check's arithmetic over a stand-in session: agreement, the largest difference, NaN, the verdict. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { EncodedPair } from '../../../src/encoding/splice-encoder.js';
import { runSelfCheck } from '../../../src/inference/self-check.js';
import type { SelfCheckReference } from '../../../src/model/model-dir.js';

const reference: SelfCheckReference = {
  cases: [
    { inputIds: [101, 5, 6, 7, 8, 102], spanIdxs: [1, 2, 3, 4], logits: [3, 0, -1] },
    { inputIds: [101, 9, 10, 11, 12, 13, 102], spanIdxs: [2, 3, 4, 5], logits: [-2, 1, 0.5] },
  ],
  minArgmaxAgreement: 1,
  maxAbsLogitDifference: 0.02,
};

/** A session that answers the reference logits, changed by `change` (row, label, logit). */
function session(change: (row: number, label: number, logit: number) => number = (_r, _l, x) => x) {
  const batches: (readonly EncodedPair[])[] = [];
  return {
    batches,
    infer: (pairs: readonly EncodedPair[]): Promise<Float32Array> => {
      batches.push(pairs);
      return Promise.resolve(Float32Array.from(reference.cases.flatMap((c, row) => c.logits.map((x, label) => change(row, label, x)))));
    },
  };
}

describe('start-up self-check', () => {
  it('the exported logits pass, run as one padded batch', async () => {
    const fake = session();
    const result = await runSelfCheck(fake.infer, reference);
    assert.deepEqual([result.pairs, result.argmaxAgreement, result.maxAbsLogitDifference, result.passed], [2, 1, 0, true]);
    assert.equal(fake.batches.length, 1);
    assert.deepEqual(fake.batches[0]?.map((p) => [...p.inputIds]), reference.cases.map((c) => c.inputIds));
  });

  it('a difference past the tolerance fails even where every argmax agrees; within it, it passes', async () => {
    const small = await runSelfCheck(session((r, l, x) => (r === 1 && l === 2 ? x + 0.01 : x)).infer, reference);
    assert.equal(small.passed, true);
    const large = await runSelfCheck(session((r, l, x) => (r === 1 && l === 2 ? x + 0.4 : x)).infer, reference);
    assert.deepEqual([large.argmaxAgreement, large.passed], [1, false]);
    assert.ok(Math.abs(large.maxAbsLogitDifference - 0.4) < 1e-6);
  });

  it('a flipped argmax lowers the agreement; NaN from a broken kernel is the worst difference', async () => {
    const flipped = await runSelfCheck(session((r, l, x) => (r === 0 && l === 1 ? 5 : x)).infer, reference);
    assert.deepEqual([flipped.argmaxAgreement, flipped.passed], [0.5, false]);
    const broken = await runSelfCheck(session(() => Number.NaN).infer, reference);
    assert.deepEqual([broken.maxAbsLogitDifference, broken.passed], [Infinity, false]);
  });
});
