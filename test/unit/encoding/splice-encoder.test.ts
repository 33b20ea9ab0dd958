import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { markerInsertions } from '../../../src/encoding/marker-insertions.js';
import { SpliceEncoder } from '../../../src/encoding/splice-encoder.js';
import { splitWords } from '../../../src/encoding/words.js';
import { loadModelDir } from '../../../src/model/model-dir.js';
import type { SentenceEntity } from '../../../src/pairs/entities.js';
import { tinyModelDir } from '../../helpers/model.js';

const bundle = await loadModelDir(tinyModelDir);

function at(text: string, surface: string, type: string): SentenceEntity {
  const start = text.indexOf(surface);
  return { id: surface, type, start, end: start + surface.length, index: 0 };
}

describe('markerInsertions', () => {
  it('brackets nested entities properly, the outer one opening first', () => {
    const outer = { id: 'o', type: 'DISO', start: 0, end: 20, index: 0 };
    const inner = { id: 'i', type: 'ANAT', start: 0, end: 5, index: 1 };
    assert.deepEqual(markerInsertions(inner, outer).map((m) => m.slot), [2, 0, 1, 3]);
  });

  it('puts the four markers in the rule\'s order for any two entities (nested, overlapping, sharing offsets)', () => {
    const span = fc.tuple(fc.nat(6), fc.nat(6)).map(([a, b]) => [Math.min(a, b), Math.max(a, b) + 1] as const);
    fc.assert(fc.property(span, span, ([ss, se], [os, oe]) => {
      const subject = { id: 's', type: 'CHEM', start: ss, end: se, index: 0 };
      const object = { id: 'o', type: 'DISO', start: os, end: oe, index: 1 };
      const order = markerInsertions(subject, object);
      assert.deepEqual(order.map((m) => m.slot).sort(), [0, 1, 2, 3]);
      // The rule as a key per slot: offset; closings first; outer opening / inner closing first; the tie.
      const key = (slot: number): number[] => [
        [ss, se, os, oe][slot] ?? 0,
        slot === 1 || slot === 3 ? 0 : 1,
        slot === 0 ? -se : slot === 2 ? -oe : slot === 1 ? -ss : -os,
        slot === 0 || slot === 3 ? 0 : 1,
      ];
      for (let i = 1; i < order.length; i++) {
        const a = key(order[i - 1]?.slot ?? 0);
        const b = key(order[i]?.slot ?? 0);
        const first = a.findIndex((v, k) => v !== b[k]);
        assert.ok(first >= 0 && (a[first] ?? 0) < (b[first] ?? 0), `slot ${order[i - 1]?.slot} before ${order[i]?.slot}`);
      }
      for (const m of order) assert.equal(m.offset, [ss, se, os, oe][m.slot]);
    }), { numRuns: 2000 });
  });

  it('closes before it opens at a shared offset', () => {
    const first = { id: 'a', type: 'CHEM', start: 0, end: 5, index: 0 };
    const second = { id: 'b', type: 'Dose', start: 5, end: 9, index: 1 };
    assert.deepEqual(markerInsertions(first, second).map((m) => m.slot), [0, 1, 2, 3]);
  });
});

describe('splitWords', () => {
  it('splits on the whitespace Python splits on, including no-break space', () => {
    assert.deepEqual(splitWords(' a\u00a0b\tc\u3000d ').map((w) => w.text), ['a', 'b', 'c', 'd']);
    assert.deepEqual(splitWords('x  y').map((w) => [w.start, w.end]), [[0, 1], [3, 4]]);
  });

  it('splits any text as the str.isspace() set as a regular expression does', () => {
    // eslint-disable-next-line no-control-regex
    const whitespace = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
    const oracle = (text: string): [number, number][] => {
      const spans: [number, number][] = [];
      let cursor = 0;
      for (const match of text.matchAll(whitespace)) {
        if (match.index > cursor) spans.push([cursor, match.index]);
        cursor = match.index + match[0].length;
      }
      if (cursor < text.length) spans.push([cursor, text.length]);
      return spans;
    };
    // Every code unit next to a boundary of the set, and the set itself, with surrogates and letters.
    const units = [0x00, 0x08, 0x09, 0x0d, 0x0e, 0x1b, 0x1c, 0x1f, 0x20, 0x21, 0x41, 0x84, 0x85, 0x86, 0x9f, 0xa0, 0xa1, 0xe9, 0x167f, 0x1680, 0x1681,
      0x1fff, 0x2000, 0x200a, 0x200b, 0x2027, 0x2028, 0x2029, 0x202a, 0x202f, 0x205f, 0x2060, 0x2fff, 0x3000, 0x3001, 0xd83d, 0xde00, 0xfeff];
    fc.assert(fc.property(fc.array(fc.constantFrom(...units), { maxLength: 24 }), (codes) => {
      const text = String.fromCharCode(...codes);
      const words = splitWords(text);
      assert.deepEqual(words.map((w) => [w.start, w.end]), oracle(text));
      for (const w of words) assert.equal(w.text, text.slice(w.start, w.end));
    }), { numRuns: 3000 });
  });
});

describe('SpliceEncoder', () => {
  const encoder = new SpliceEncoder(bundle);
  const ids = bundle.markerIds;

  it('places the marker ids around the entity pieces, with span_idxs at the markers', () => {
    const text = 'Aspirina administrada cada 8 horas .';
    const result = encoder.encode(encoder.sentence(text), at(text, 'Aspirina', 'CHEM'), at(text, 'cada 8 horas', 'Frequency'));
    assert.ok(result.ok);
    const { inputIds, spanIdxs } = result.pair;
    assert.equal(inputIds[0], bundle.tokenizer.clsId);
    assert.equal(inputIds.at(-1), bundle.tokenizer.sepId);
    assert.equal(inputIds[spanIdxs[0]], ids.get('CHEM')?.subjectOpen);
    assert.equal(inputIds[spanIdxs[1]], ids.get('CHEM')?.subjectClose);
    assert.equal(inputIds[spanIdxs[2]], ids.get('Frequency')?.objectOpen);
    assert.equal(inputIds[spanIdxs[3]], ids.get('Frequency')?.objectClose);
    assert.equal(spanIdxs[0], 1);
  });

  it('skips a pair whose marker truncation would remove, and truncates one that still fits', () => {
    const small = new SpliceEncoder({ ...bundle, config: { ...bundle.config, maxLength: 12 } });
    const text = 'Paracetamol 1 g y el paciente continuará con el seguimiento clínico habitual cada 8 horas .';
    const sentence = small.sentence(text);
    assert.deepEqual(small.encode(sentence, at(text, 'Paracetamol', 'CHEM'), at(text, 'cada 8 horas', 'Frequency')), { ok: false, reason: 'truncated' });
    const kept = small.encode(sentence, at(text, 'Paracetamol', 'CHEM'), at(text, '1 g', 'Dose'));
    assert.ok(kept.ok);
    assert.equal(kept.pair.inputIds.length, 12);
    assert.equal(kept.pair.inputIds[11], bundle.tokenizer.sepId);
  });
});
