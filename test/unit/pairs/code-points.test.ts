import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CodePointIndex } from '../../../src/pairs/code-points.js';

describe('CodePointIndex', () => {
  it('is the identity for text inside the Basic Multilingual Plane', () => {
    const index = new CodePointIndex('niño café');
    assert.equal(index.length, 9);
    assert.equal(index.toUtf16(4), 4);
    assert.equal(index.toUtf16(9), 9);
    assert.equal(index.toUtf16(10), undefined);
  });

  it('maps code points past astral characters to UTF-16 offsets', () => {
    // 😀 and 𝐈 are one code point each but two UTF-16 units.
    const text = 'a😀b 𝐈nsulina';
    const index = new CodePointIndex(text);
    assert.equal(index.length, Array.from(text).length);
    assert.equal(index.toUtf16(2), 3); // b
    const start = index.toUtf16(4) ?? -1;
    const end = index.toUtf16(12) ?? -1;
    assert.equal(text.slice(start, end), '𝐈nsulina');
  });

  it('rejects offsets that are negative, fractional or past the end', () => {
    const index = new CodePointIndex('a😀');
    assert.equal(index.toUtf16(-1), undefined);
    assert.equal(index.toUtf16(0.5), undefined);
    assert.equal(index.toUtf16(3), undefined);
    assert.equal(index.toUtf16(2), 3);
  });
});
