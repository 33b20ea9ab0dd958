import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import avro from 'avsc';
import fc from 'fast-check';

import { ByteArena } from '../../../src/publish/byte-arena.js';

describe('ByteArena', () => {
  const type = avro.Type.forSchema({ type: 'map', values: 'string' });

  it('hands out views that keep their bytes whatever is encoded after them, across slabs and past a slab\'s size', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.integer({ min: 0, max: 200 })), { maxLength: 40 }), (slab, values) => {
      const arena = new ByteArena(slab);
      const held = values.map((value) => {
        if (typeof value === 'number') {
          const bytes = arena.take(value).fill(value & 0xff);
          return { bytes, check: () => { assert.ok(bytes.every((b) => b === (value & 0xff))); assert.equal(bytes.length, value); } };
        }
        const bytes = arena.encode(type, value);
        const expected = type.toBuffer(value);
        return { bytes, check: () => { assert.deepEqual(bytes, expected); } };
      });
      for (const { check } of held) check();
    }), { numRuns: 500 });
  });

  it('writes what toBuffer writes', () => {
    const arena = new ByteArena(8);
    const value = { trial: 'NCT0001', fase: 'II', 'clave ñ': 'valor 😀' };
    assert.deepEqual(arena.encode(type, value), type.toBuffer(value));
  });
});
