import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CodePointIndex } from '../../../src/pairs/code-points.js';
import type { TrialRecord } from '../../../src/records/avro.js';
import { knownEntityTypes } from '../../../src/records/entity-types.js';
import { validateRecord } from '../../../src/records/validate-record.js';

const types = knownEntityTypes([]);
const limits = { maxTextLength: 50, maxEntitiesPerRecord: 3 };
const record = (patch: Partial<TrialRecord>): TrialRecord => ({
  id: 'r1', source: null, language: 'es', text: 'Aspirina cada 8 horas', metadata: {},
  entities: [{ id: 'T1', type: 'CHEM', start: 0, end: 8 }], ...patch,
});
const reason = (r: TrialRecord): string => { const v = validateRecord(r, new CodePointIndex(r.text), limits, types); return v.ok ? 'ok' : v.reason; };

describe('validateRecord', () => {
  it('accepts a good record, attribute labels included', () => {
    assert.equal(reason(record({})), 'ok');
    assert.equal(reason(record({ entities: [{ id: 'A', type: 'Negated', start: 0, end: 8 }] })), 'ok');
  });

  it('names each rule a bad record breaks', () => {
    assert.equal(reason(record({ id: '' })), 'missing_id');
    assert.equal(reason(record({ text: 'x'.repeat(51) })), 'text_too_long');
    assert.equal(reason(record({ entities: Array.from({ length: 4 }, (_, i) => ({ id: `T${i}`, type: 'CHEM', start: 0, end: 1 })) })), 'too_many_entities');
    assert.equal(reason(record({ entities: [{ id: 'T1', type: 'CHEM', start: 0, end: 1 }, { id: 'T1', type: 'CHEM', start: 1, end: 2 }] })), 'duplicate_entity_id');
    assert.equal(reason(record({ entities: [{ id: 'T1', type: 'Medicine', start: 0, end: 8 }] })), 'unknown_entity_type');
    assert.equal(reason(record({ entities: [{ id: 'T1', type: 'CHEM', start: 0, end: 22 }] })), 'offsets_out_of_range');
    assert.equal(reason(record({ entities: [{ id: 'T1', type: 'CHEM', start: -1, end: 2 }] })), 'offsets_out_of_range');
    assert.equal(reason(record({ entities: [{ id: 'T1', type: 'CHEM', start: 5, end: 5 }] })), 'offsets_inverted');
  });

  it('counts length and offsets in code points, not UTF-16 units', () => {
    const text = '😀'.repeat(50); // 50 code points, 100 UTF-16 units
    assert.equal(reason(record({ text, entities: [{ id: 'T1', type: 'CHEM', start: 49, end: 50 }] })), 'ok');
    assert.equal(reason(record({ text, entities: [{ id: 'T1', type: 'CHEM', start: 49, end: 51 }] })), 'offsets_out_of_range');
  });
});
