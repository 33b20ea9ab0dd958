/**
 * Schemas must evolve backward compatibly: data written with the first published schemas (the fixtures,
 * never regenerated) must still decode with the current ones.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/paths.js';
import { relationEventCodec, trialRecordCodec } from '../../../src/records/avro.js';

const fixture = (name: string): Promise<Buffer> => readFile(join(packageRoot, 'test', 'fixtures', name));

describe('Avro schema compatibility', () => {
  it('decodes a TrialRecord written with schema v1', async () => {
    const record = trialRecordCodec().decode(await fixture('trial-record.v1.avro'));
    assert.equal(record.id, 'compat-1');
    assert.equal(record.entities[0]?.type, 'CHEM');
    assert.equal(record.text, 'Aspirina 😀 cada 8 horas');
  });

  it('decodes a RelationEvent written with schema v1', async () => {
    const event = relationEventCodec().decode(await fixture('relation-event.v1.avro'));
    assert.equal(event.relation, 'Has_Frequency');
    assert.equal(event.provenance.offset, 42);
    assert.ok(event.processedAt instanceof Date);
    assert.equal(event.processedAt.getTime(), 1_795_600_000_000);
  });

  it('round-trips the current schemas', () => {
    const codec = trialRecordCodec();
    const record = { id: 'x', source: null, language: 'es', text: 't', entities: [], metadata: { k: 'v' } };
    // avsc decodes into record-class instances: compare as plain JSON.
    assert.equal(JSON.stringify(codec.decode(codec.encode(record))), JSON.stringify(record));
  });
});
