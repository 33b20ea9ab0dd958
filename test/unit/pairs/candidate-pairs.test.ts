import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadModelDir } from '../../../src/model/model-dir.js';
import { candidatePairs } from '../../../src/pairs/candidate-pairs.js';
import type { SentenceEntity } from '../../../src/pairs/entities.js';
import { pairRulesFor } from '../../../src/pairs/pair-rules.js';
import { tinyModelDir } from '../../helpers/model.js';

const bundle = await loadModelDir(tinyModelDir);
const rules = pairRulesFor(bundle);
const label = (name: string): number => bundle.config.labels.indexOf(name);

function entities(...types: string[]): SentenceEntity[] {
  return types.map((type, i) => ({ id: `T${i}`, type, start: i * 10, end: i * 10 + 5, index: i }));
}

describe('candidatePairs', () => {
  it('forms ordered pairs whose types some label allows, with the labels they allow', () => {
    const { pairs, typesNotAllowed } = candidatePairs(entities('CHEM', 'Frequency', 'Dose'), rules);
    assert.deepEqual(pairs.map((p) => `${p.subject.type}->${p.object.type}`).sort(), ['CHEM->Dose', 'CHEM->Frequency']);
    assert.deepEqual(pairs.find((p) => p.object.type === 'Frequency')?.allowedLabels, [label('Has_Frequency')]);
    assert.equal(typesNotAllowed, 4);
  });

  it('allows several labels where the type rules overlap (LIVB -> CHEM: Experiences and Used_for)', () => {
    const { pairs } = candidatePairs(entities('LIVB', 'CHEM'), rules);
    const livbToChem = pairs.find((p) => p.subject.type === 'LIVB');
    assert.deepEqual(livbToChem?.allowedLabels, [label('Experiences'), label('Used_for')]);
  });

  it('never pairs an entity with itself, and never uses non-argument types such as attributes', () => {
    const { pairs, typesNotAllowed } = candidatePairs(entities('CHEM', 'Negated', 'CHEM'), rules);
    assert.ok(pairs.every((p) => p.subject !== p.object));
    assert.ok(pairs.every((p) => p.subject.type !== 'Negated' && p.object.type !== 'Negated'));
    assert.equal(pairs.length + typesNotAllowed, 6);
  });
});
