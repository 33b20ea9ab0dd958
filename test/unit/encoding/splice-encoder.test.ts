import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

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
