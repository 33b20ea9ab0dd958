/**
 * The splice encoder (a sentence tokenized once, each pair's ids copied from it, only the words a marker cuts
 * tokenized again) must give exactly the ids and span positions of tokenizing the marked sentence from scratch
 * (../../../src/encoding/reference-encoder.ts), for any sentence and any pair of entities in it: nested,
 * overlapping, sharing offsets, cutting words, at either end, past the model's length.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import fc from 'fast-check';

import { encodePairFromScratch } from '../../../src/encoding/reference-encoder.js';
import { SpliceEncoder } from '../../../src/encoding/splice-encoder.js';
import { loadModelDir } from '../../../src/model/model-dir.js';
import type { SentenceEntity } from '../../../src/pairs/entities.js';
import { tinyModelDir } from '../../helpers/model.js';

const bundle = await loadModelDir(tinyModelDir);
const types = [...bundle.markerIds.keys()];

const word = fc.oneof(
  fc.constantFrom('paciente', 'dosis', 'mg', '8', 'horas', 'cada', 'ácido', 'acetilsalicílico', 'niño', 'p.', 'ej.', '(', ')', ',', '.', '%', '5/10', 'xyzzy', 'IL-6'),
  fc.stringMatching(/^[a-záéíóúñü0-9.,;:()/-]{1,12}$/),
);
const space = fc.constantFrom(' ', '  ', '\t', '\u00a0', ' ');
const sentence = fc.array(fc.tuple(word, space), { minLength: 1, maxLength: 30 }).map((parts) => parts.map(([w, s]) => w + s).join('').trimEnd());

function entity(text: string, id: string): fc.Arbitrary<SentenceEntity> {
  return fc.tuple(fc.nat(text.length - 1), fc.nat(text.length - 1), fc.constantFrom(...types)).map(([a, b, type]) => {
    const start = Math.min(a, b);
    return { id, type, start, end: Math.max(a, b) === start ? start + 1 : Math.max(a, b), index: 0 };
  });
}

const cases = sentence.chain((text) => fc.tuple(fc.constant(text), entity(text, 's'), entity(text, 'o'), fc.constantFrom(bundle.config.maxLength, 8, 12, 24)));

it('splice encoding equals encoding the marked sentence from scratch, for any sentence and pair', () => {
  fc.assert(fc.property(cases, ([text, subject, object, maxLength]) => {
    const model = { ...bundle, config: { ...bundle.config, maxLength } };
    const encoder = new SpliceEncoder(model);
    assert.deepEqual(encoder.encode(encoder.sentence(text), subject, object), encodePairFromScratch(model, text, subject, object));
  }), { numRuns: 1500 });
});

it('one encoded sentence serves every pair of it, in any order', () => {
  fc.assert(fc.property(sentence.chain((text) => fc.tuple(fc.constant(text), fc.array(fc.tuple(entity(text, 's'), entity(text, 'o')), { minLength: 2, maxLength: 8 }))), ([text, pairs]) => {
    const encoder = new SpliceEncoder(bundle);
    const encoded = encoder.sentence(text);
    for (const [subject, object] of pairs) assert.deepEqual(encoder.encode(encoded, subject, object), encodePairFromScratch(bundle, text, subject, object));
  }), { numRuns: 300 });
});

it('what it encoded stays as it was while it encodes more (its arrays are never written twice)', () => {
  // One encoder for every run: its slabs fill and are replaced across runs, as in a long-lived intake worker.
  const encoder = new SpliceEncoder(bundle);
  const many = fc.array(sentence.chain((text) => fc.tuple(fc.constant(text), fc.array(fc.tuple(entity(text, 's'), entity(text, 'o')), { minLength: 1, maxLength: 8 }))), { minLength: 1, maxLength: 20 });
  fc.assert(fc.property(many, (sentences) => {
    const kept = sentences.flatMap(([text, pairs]) => {
      const encoded = encoder.sentence(text);
      return pairs.map(([subject, object]) => ({ text, subject, object, sentence: encoded, result: encoder.encode(encoded, subject, object) }));
    });
    for (const { text, subject, object, sentence: encoded, result } of kept) {
      assert.deepEqual(result, encodePairFromScratch(bundle, text, subject, object));
      // The sentence's own arrays too: encoding it again from them gives the same pair.
      assert.deepEqual(encoder.encode(encoded, subject, object), result);
    }
  }), { numRuns: 300 });
});
