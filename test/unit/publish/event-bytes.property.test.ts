/**
 * Events spliced from parts (../../../src/publish/event-bytes.ts) are avsc's bytes for relationEvent(...) of the
 * same pair, framed or not, for generated records (any strings: lone surrogates, astral, empty; any metadata),
 * any pair, label, score and time; and a schema with fields the splice does not know is refused by name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import avro from 'avsc';
import fc from 'fast-check';

import { CodePointIndex } from '../../../src/pairs/code-points.js';
import { eventIdIn, EventParts, EventSplice, type PairParts, type PartsWriter } from '../../../src/publish/event-bytes.js';
import { relationEvent } from '../../../src/publish/relation-event.js';
import { avroType, relationEventCodec } from '../../../src/records/avro.js';
import { frame } from '../../../src/registry/wire-format.js';
import { anyString, records } from '../../helpers/hostile-records.js';

const LABELS = ['DOSE', 'FREQ', 'ROUTE', 'DUR', 'STR', 'FORM', 'CUT', 'USE'];
const model = { name: 'medspaner re-ct', version: '2', sha256: 'abcdef012345' };

/** Parts behind offsets into a larger buffer, as an intake outcome keeps them. */
function partsWriter(parts: PairParts): PartsWriter {
  const memory = Buffer.concat([Buffer.from('before'), parts.id, Buffer.from('between'), parts.middle, Buffer.from('after')]);
  const idAt = 'before'.length;
  const middleAt = idAt + parts.id.length + 'between'.length;
  return {
    idLength: parts.id.length,
    middleLength: parts.middle.length,
    writeId: (into, at) => { memory.copy(into, at, idAt, idAt + parts.id.length); },
    writeMiddle: (into, at) => { memory.copy(into, at, middleAt, middleAt + parts.middle.length); },
  };
}

describe('relation event bytes', () => {
  it('an event spliced from its parts is avsc\'s encoding of relationEvent(...), plain and framed', () => {
    const codec = relationEventCodec();
    // One per provider for every run, as a worker keeps one: what it keeps from a record must not leak into the next.
    const partsFor = { cpu: new EventParts(avroType('RelationEvent'), model, 'cpu'), cuda: new EventParts(avroType('RelationEvent'), model, 'cuda') };
    fc.assert(fc.property(
      records.filter((r) => r.entities.length > 0), fc.nat(), fc.nat(), fc.nat({ max: LABELS.length - 1 }), fc.nat({ max: LABELS.length - 1 }),
      fc.double({ noNaN: true }), fc.double({ noNaN: true }), anyString(30), fc.nat({ max: 2 ** 31 - 1 }), fc.option(fc.nat({ max: 2 ** 31 - 1 }), { nil: undefined }),
      fc.date({ min: new Date(0), max: new Date(2 ** 42), noInvalidDate: true }), fc.constantFrom('cpu', 'cuda'),
      (record, s, o, labelId, rawLabelId, score, rawScore, topic, offset, schemaId, processedAt, provider) => {
        const subjectIndex = s % record.entities.length;
        const objectIndex = o % record.entities.length;
        const text = new CodePointIndex(record.text);
        const provenance = { topic, partition: offset % 7, offset };
        const parts = partsFor[provider];
        const header = schemaId === undefined ? Buffer.alloc(0) : frame(schemaId, Buffer.alloc(0));
        const splice = new EventSplice(avroType('RelationEvent'), header, LABELS);
        const pair = parts.pair(record, text, subjectIndex, objectIndex, provenance, new Map());
        const value = splice.event(parts.record(record, record.metadata), pair, labelId, score, rawLabelId, rawScore, splice.timestamp(processedAt));
        const event = relationEvent({
          record, text, metadata: record.metadata, subjectIndex, objectIndex, relation: LABELS[labelId] ?? '', score,
          rawRelation: LABELS[rawLabelId] ?? '', rawScore, model, provider, processedAt, provenance,
        });
        const plain = codec.encode(event);
        assert.deepEqual(value, schemaId === undefined ? plain : frame(schemaId, plain));
        assert.equal(eventIdIn(value), event.id);
        // A pair that writes its parts itself (an intake outcome's) gives the same bytes.
        const written = splice.event(parts.record(record, record.metadata), partsWriter(pair), labelId, score, rawLabelId, rawScore, splice.timestamp(processedAt));
        assert.deepEqual(written, value);
      },
    ), { numRuns: 400 });
  });

  it('refuses a RelationEvent schema with fields the splice does not write, naming them', () => {
    const schema = JSON.parse(JSON.stringify(avroType('RelationEvent').schema())) as { fields: { name: string; type: unknown; default?: unknown }[] };
    schema.fields.push({ name: 'extra', type: 'string', default: '' });
    const type = avro.Type.forSchema(schema as avro.Schema);
    assert.throws(() => new EventSplice(type, Buffer.alloc(0), LABELS), /extra/);
    assert.throws(() => new EventParts(type, model, 'cpu'), /extra/);
  });
});
