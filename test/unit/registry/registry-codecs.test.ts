import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import avro from 'avsc';
import fc from 'fast-check';

import { isRelstreamError } from '../../../src/errors.js';
import { schemaText, trialRecordCodec, type TrialRecord } from '../../../src/records/avro.js';
import { framedCodec, RegistryDecoder } from '../../../src/registry/registry-codecs.js';
import { frame, unframe } from '../../../src/registry/wire-format.js';
import { sampleRecords } from '../../helpers/processor.js';

const OLD = JSON.stringify({
  type: 'record', name: 'TrialRecord', namespace: 'dev.relstream',
  fields: [{ name: 'id', type: 'string' }, { name: 'text', type: 'string' }, { name: 'entities', type: { type: 'array', items: { type: 'record', name: 'Entity', fields: [{ name: 'id', type: 'string' }, { name: 'type', type: 'string' }, { name: 'start', type: 'int' }, { name: 'end', type: 'int' }] } } }],
});
/** avsc decodes to record-class instances; compared as plain data. */
const plainData = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const UNREADABLE = JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'id', type: 'int' }] });

function fakeRegistry(schemas: Record<number, string>): { schemaById(id: number): Promise<string>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    schemaById: (id) => {
      calls.push(id);
      const schema = schemas[id];
      return schema === undefined ? Promise.reject(new Error(`unknown ${id}`)) : Promise.resolve(schema);
    },
  };
}

describe('the Confluent wire format', () => {
  it('frames and unframes any id and body; any bytes unframe to a value or a reason, never a throw', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 200 }), (id, body) => {
      const unframed = unframe(frame(id, Buffer.from(body)));
      assert.ok(unframed.ok);
      assert.equal(unframed.schemaId, id);
      assert.deepEqual([...unframed.body], [...body]);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const unframed = unframe(Buffer.from(bytes));
      assert.equal(unframed.ok, bytes.length >= 5 && bytes[0] === 0);
    }));
  });

  it('frames a codec\'s values: magic byte, big-endian id, then the plain Avro body', () => {
    const codec = trialRecordCodec();
    const record = sampleRecords()[0];
    assert.ok(record);
    const framed = framedCodec(codec, 0x01020304).encode(record);
    assert.deepEqual([...framed.subarray(0, 5)], [0, 1, 2, 3, 4]);
    assert.deepEqual(framed.subarray(5), codec.encode(record));
    assert.deepEqual(plainData(framedCodec(codec, 7).decode(framedCodec(codec, 7).encode(record))), plainData(record));
  });
});

describe('RegistryDecoder', () => {
  const oldType = avro.Type.forSchema(JSON.parse(OLD) as avro.Schema);
  const records = sampleRecords();

  it('asks for each writer schema once, then decodes records written with an older schema with the reader\'s defaults', async () => {
    const registry = fakeRegistry({ 3: OLD, 4: schemaText('TrialRecord') });
    const decoder = new RegistryDecoder<TrialRecord>('TrialRecord', registry);
    for (const r of records) {
      const bytes = frame(3, oldType.toBuffer({ id: r.id, text: r.text, entities: r.entities }));
      const id = decoder.missing(bytes);
      if (id !== undefined) await decoder.load(id);
      assert.deepEqual(plainData(decoder.decode(bytes)), plainData({ ...r, source: null, language: 'es', metadata: {} }));
    }
    const current = frame(4, trialRecordCodec().encode(records[0] as TrialRecord));
    await decoder.load(decoder.missing(current) ?? -1);
    assert.deepEqual(plainData(decoder.decode(current)), plainData(records[0]));
    assert.deepEqual(registry.calls, [3, 4]);
    assert.equal(decoder.missing(Buffer.from('no frame')), undefined, 'an unframed value needs no schema: decoding says why');
  });

  it('a registry error while loading is thrown for the caller to retry; nothing is cached', async () => {
    const registry = fakeRegistry({});
    const decoder = new RegistryDecoder<TrialRecord>('TrialRecord', registry);
    await assert.rejects(decoder.load(9), /unknown 9/);
    assert.equal(decoder.missing(frame(9, Buffer.alloc(1))), 9);
  });

  it('learns a writer schema from its text without the registry, keeps the text, and keeps the ids last learnt past the bound', async () => {
    const registry = fakeRegistry({});
    const decoder = new RegistryDecoder<TrialRecord>('TrialRecord', registry);
    const record = records[0] as TrialRecord;
    const bytes = frame(3, oldType.toBuffer({ id: record.id, text: record.text, entities: record.entities }));
    assert.equal(decoder.missing(bytes), 3);
    decoder.learn(3, OLD);
    assert.equal(decoder.missing(bytes), undefined);
    assert.equal(decoder.textOf(3), OLD);
    assert.equal(decoder.textOf(4), undefined);
    assert.deepEqual(plainData(decoder.decode(bytes)), plainData({ ...record, source: null, language: 'es', metadata: {} }));
    await decoder.load(3);
    decoder.learn(5, UNREADABLE);
    assert.equal(decoder.textOf(5), UNREADABLE, 'an unreadable schema\'s text too: another thread reads it as unreadable');
    assert.deepEqual(registry.calls, [], 'never asked');
    // 3 and 5 are held; 998 more fill the bound of 1,000 writers, 3 the oldest. Learnt again, 3 is not parsed
    // again but becomes the newest: the next two new ids drop 5 and 100, the oldest others, and not 3.
    for (let id = 100; id < 1098; id++) decoder.learn(id, OLD);
    decoder.learn(3, OLD);
    decoder.learn(2000, OLD);
    decoder.learn(2001, OLD);
    assert.equal(decoder.textOf(5), undefined);
    assert.equal(decoder.textOf(100), undefined);
    assert.equal(decoder.textOf(101), OLD);
    assert.equal(decoder.textOf(3), OLD, 'the id learnt again stayed');
  });

  it('an unreadable writer schema, an unframed value or hostile bytes are RELSTREAM_RECORD_MALFORMED (a dead letter), never another error', async () => {
    const decoder = new RegistryDecoder<TrialRecord>('TrialRecord', fakeRegistry({ 3: OLD, 5: UNREADABLE }));
    await decoder.load(3);
    await decoder.load(5);
    const malformed = (bytes: Buffer, pattern?: RegExp): void => {
      assert.throws(() => decoder.decode(bytes), (error: unknown) => {
        assert.ok(isRelstreamError(error) && error.code === 'RELSTREAM_RECORD_MALFORMED', String(error));
        if (pattern) assert.match(error.message, pattern);
        return true;
      });
    };
    malformed(frame(5, Buffer.from([14])), /writer schema 5 cannot be read as TrialRecord/);
    malformed(Buffer.from([1, 2, 3, 4, 5, 6]), /magic byte/);
    malformed(Buffer.from([0, 0]), /shorter/);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
      try {
        decoder.decode(frame(3, Buffer.from(body)));
      } catch (error) {
        assert.ok(isRelstreamError(error) && error.code === 'RELSTREAM_RECORD_MALFORMED', String(error));
      }
    }));
  });
});
