import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type { RecordEntity } from '../../../src/pairs/entities.js';
import { sentenceBounds, splitSentences } from '../../../src/pairs/sentences.js';

function entity(text: string, surface: string, type: string, id: string): RecordEntity {
  const utf16 = text.indexOf(surface);
  // Record offsets count code points, which Array.from yields (not UTF-16 units).
  const start = Array.from(text.slice(0, utf16)).length;
  return { id, type, start, end: start + Array.from(surface).length };
}

describe('splitSentences', () => {
  it('assigns each entity to its sentence, with offsets relative to that sentence', () => {
    const text = 'Aspirina cada 8 horas. Los pacientes con asma serán incluidos.';
    const sentences = splitSentences(text, [entity(text, 'Aspirina', 'CHEM', 'T1'), entity(text, 'cada 8 horas', 'Frequency', 'T2'), entity(text, 'asma', 'DISO', 'T3')]);
    assert.equal(sentences.length, 2);
    assert.deepEqual(sentences[0]?.entities.map((e) => e.id), ['T1', 'T2']);
    const second = sentences[1];
    assert.ok(second);
    const asma = second.entities[0];
    assert.ok(asma);
    assert.equal(second.text.slice(asma.start, asma.end), 'asma');
    assert.equal(asma.index, 2);
  });

  it('breaks at line ends, and leaves out sentences with no entities', () => {
    const text = 'Sin entidades aquí\nMetformina 850 mg\n';
    const sentences = splitSentences(text, [entity(text, 'Metformina', 'CHEM', 'T1')]);
    assert.equal(sentences.length, 1);
    assert.equal(sentences[0]?.text.trim(), 'Metformina 850 mg');
  });

  it('merges the sentences an entity crosses instead of cutting it', () => {
    const text = 'Dosis de 5 mg. Cada día. Fin del texto.';
    const crossing = entity(text, '5 mg. Cada día', 'Dose', 'T1');
    const sentences = splitSentences(text, [crossing]);
    assert.equal(sentences.length, 1);
    const [only] = sentences;
    assert.ok(only);
    assert.ok(only.text.startsWith('Dosis de 5 mg. Cada día.'));
    assert.equal(only.text.slice(only.entities[0]?.start, only.entities[0]?.end), '5 mg. Cada día');
  });

  it('keeps code-point offsets right after characters outside the BMP', () => {
    const text = 'Paciente 😀 con 𝐈nsulina. Otra frase con asma.';
    const sentences = splitSentences(text, [entity(text, '𝐈nsulina', 'CHEM', 'T1'), entity(text, 'asma', 'DISO', 'T2')]);
    const [first, second] = sentences;
    assert.equal(first?.text.slice(first.entities[0]?.start, first.entities[0]?.end), '𝐈nsulina');
    assert.equal(second?.text.slice(second.entities[0]?.start, second.entities[0]?.end), 'asma');
  });

  it('puts sentence bounds exactly where ICU does, with or without the one-sentence shortcut', () => {
    // Letters, digits, spaces, terminators (ASCII, Spanish, CJK, Greek, Brahmi outside the BMP), closers, separators,
    // format and extend characters: what decides a sentence break, including near the end of the text.
    const units = ['a', 'B', 'ñ', 'É', '7', ' ', '\u00A0', '\t', '.', '!', '?', ';', '¿', '¡', '…', '。', '\u037E', '\u{11047}',
      ')', '(', ']', '"', "'", '»', '«', '\u201D', '\u2019', '\n', '\r', '\u2029', '\u0085', '\u00AD', '\u0301', '😀', 'mg', 'p. ej. '];
    const text = fc.oneof(fc.array(fc.constantFrom(...units), { maxLength: 24 }).map((parts) => parts.join('')), fc.string({ unit: 'grapheme', maxLength: 24 }));
    const language = fc.constantFrom('es', 'en', 'el', 'ja', 'de');
    fc.assert(fc.property(text, language, (t, lang) => {
      const icu = Array.from(new Intl.Segmenter(lang, { granularity: 'sentence' }).segment(t), (s) => ({ start: s.index, end: s.index + s.segment.length }));
      assert.deepEqual(sentenceBounds(t, lang), icu);
    }), { numRuns: 20_000 });
  });

  it('reads a long text of terminators only as one sentence, and as two once a sentence follows', () => {
    // 200,000 characters: a scan that backtracked (quadratic) would not finish within the suite's time.
    const dots = '.'.repeat(200_000);
    assert.deepEqual(sentenceBounds(dots, 'es'), [{ start: 0, end: dots.length }]);
    assert.deepEqual(sentenceBounds(`${dots} Otra`, 'es'), [{ start: 0, end: dots.length + 1 }, { start: dots.length + 1, end: dots.length + 5 }]);
  });
});
