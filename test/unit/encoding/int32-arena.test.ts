import assert from 'node:assert/strict';
import { it } from 'node:test';

import fc from 'fast-check';

import { Int32Arena } from '../../../src/encoding/int32-arena.js';

it('gives each take its own zeroed ints, which later takes never touch, across slabs and past their size', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.nat(100), { minLength: 1, maxLength: 200 }), (slabInts, lengths) => {
    const arena = new Int32Arena(slabInts);
    const views = lengths.map((length, i) => {
      const view = arena.take(length);
      assert.equal(view.length, length);
      assert.ok(view.every((v) => v === 0), 'a fresh take is zeroed');
      view.fill(i + 1);
      return view;
    });
    views.forEach((view, i) => { assert.ok(view.every((v) => v === i + 1), `take ${i} was written over`); });
  }), { numRuns: 500 });
});
