/**
 * Intake outcomes cross threads as one buffer (../../../src/processor/intake-outcomes.ts): what is read back is
 * what was written, for the outcomes of generated records, hostile bytes and every dead-letter reason; and intake
 * in worker threads answers exactly as intake on this thread, framed input included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import avro from 'avsc';
import fc from 'fast-check';

import { loadConfig } from '../../../src/config/load-config.js';
import { isLabelRange } from '../../../src/decoding/decode-relation.js';
import { packedLength, packPairs, tokenCount } from '../../../src/inference/packed-pairs.js';
import { loadModelDir, type ModelBundle } from '../../../src/model/model-dir.js';
import { readOutcomes, writeOutcomes } from '../../../src/processor/intake-outcomes.js';
import { inThreadIntake, startIntakePool, type IntakeService } from '../../../src/processor/intake-service.js';
import { RecordIntake, type IntakeMessage, type RecordOutcome } from '../../../src/processor/record-intake.js';
import { EventParts, isPartsWriter } from '../../../src/publish/event-bytes.js';
import { modelIdentity } from '../../../src/publish/relation-event.js';
import { avroType, schemaText, trialRecordCodec, type TrialRecord } from '../../../src/records/avro.js';
import { RegistryDecoder } from '../../../src/registry/registry-codecs.js';
import { frame } from '../../../src/registry/wire-format.js';
import { DEAD_LETTER_REASONS } from '../../../src/records/validate-record.js';
import { anyString, hostileBytes, records } from '../../helpers/hostile-records.js';
import { tinyModelDir } from '../../helpers/model.js';

const codec = trialRecordCodec();
let bundle: ModelBundle;
let intake: RecordIntake;
let pool: IntakeService | undefined;
let framedPool: IntakeService | undefined;

before(async () => {
  bundle = await loadModelDir(tinyModelDir);
  intake = new RecordIntake(loadConfig({ env: {} }), bundle, codec, new EventParts(avroType('RelationEvent'), modelIdentity(bundle.config), 'cpu'));
});
after(async () => { await pool?.close(); await framedPool?.close(); });

/** Outcomes as plain data: typed arrays and buffers as number arrays, so views and copies compare equal. */
function plain(outcomes: readonly RecordOutcome[]): unknown {
  return JSON.parse(JSON.stringify(outcomes, (_, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v))) as unknown;
}

const messages = fc.array(fc.oneof(records.map((r) => codec.encode(r)), hostileBytes, fc.constant(null)), { minLength: 1, maxLength: 12 })
  .map((values) => values.map((value, i): IntakeMessage => ({ topic: 'in', partition: 3, offset: String(1000 + i), value })));

describe('intake outcomes', () => {
  it('read back as written: generated records and hostile bytes', () => {
    let pairs = 0;
    fc.assert(fc.property(messages, (chunk) => {
      const outcomes = chunk.map((m) => intake.take(m));
      for (const o of outcomes) if (o.kind === 'pairs') pairs += o.pairs.length;
      const read = readOutcomes(writeOutcomes(outcomes));
      assert.deepEqual(plain(read), plain(outcomes));
      // Read pairs pack themselves from the buffer: the same words as packing their ids and span.
      const written = outcomes.flatMap((o) => (o.kind === 'pairs' ? o.pairs : []));
      const readPairs = read.flatMap((o) => (o.kind === 'pairs' ? o.pairs : []));
      const size = packedLength(written);
      assert.equal(packedLength(readPairs), size);
      assert.deepEqual(readPairs.map(tokenCount), written.map((p) => p.inputIds.length));
      assert.deepEqual(packPairs(readPairs, new Int32Array(size)), packPairs(written, new Int32Array(size)));
      // And write their event parts from it: the bytes of the parts written.
      readPairs.forEach((pair, i) => {
        const parts = written[i]?.parts;
        assert.ok(isPartsWriter(pair) && parts !== undefined);
        const into = Buffer.alloc(pair.idLength + pair.middleLength + 2, 0xee);
        pair.writeId(into, 1);
        pair.writeMiddle(into, 1 + pair.idLength);
        assert.deepEqual(into, Buffer.concat([Buffer.of(0xee), parts.id, parts.middle, Buffer.of(0xee)]));
        // Its allowed labels, as a range of the outcome's words.
        assert.ok(isLabelRange(pair));
        assert.deepEqual([...pair.labelWords.subarray(pair.labelsFrom, pair.labelsFrom + pair.labelsCount)], [...(written[i]?.allowedLabels ?? [])]);
      });
    }), { numRuns: 300 });
    assert.ok(pairs > 20, `the generators reach pairs: ${pairs}`);
  });

  it('read back as written: every dead-letter reason, any message', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...DEAD_LETTER_REASONS), anyString(200))), (letters) => {
      const outcomes: RecordOutcome[] = letters.map(([reason, message]) => ({ kind: 'dead-letter', reason, message }));
      assert.deepEqual(plain(readOutcomes(writeOutcomes(outcomes))), plain(outcomes));
    }));
  });

  it('intake in worker threads answers as intake on this thread, chunk by chunk, in order', async () => {
    const workers = await startIntakePool({ modelDir: bundle.dir, config: loadConfig({ env: {} }), model: modelIdentity(bundle.config), provider: 'cpu' }, 2);
    pool = workers;
    const here = inThreadIntake(intake);
    const chunks = fc.sample(messages, 60);
    // All at once: two workers answer out of order, and each answer must still be its own chunk's.
    const answers = await Promise.all(chunks.map((chunk) => workers.take(chunk)));
    for (const [i, chunk] of chunks.entries()) assert.deepEqual(plain(answers[i] ?? []), plain(await here.take(chunk)));
  });
  it('framed input in worker threads answers as framed intake on this thread: writer schemas travel with their chunks', async () => {
    // Writer schemas 3 (an older compatible TrialRecord), 4 (today's) and 5 (unreadable as a TrialRecord) are loaded
    // on this thread, as the processor loads them before admission; 6 is named by values but never loaded.
    const OLD_SCHEMA = JSON.stringify({
      type: 'record', name: 'TrialRecord', namespace: 'dev.relstream',
      fields: [{ name: 'id', type: 'string' }, { name: 'text', type: 'string' }, { name: 'entities', type: { type: 'array', items: { type: 'record', name: 'Entity', fields: [{ name: 'id', type: 'string' }, { name: 'type', type: 'string' }, { name: 'start', type: 'int' }, { name: 'end', type: 'int' }] } } }],
    });
    const texts: Record<number, string> = { 3: OLD_SCHEMA, 4: schemaText('TrialRecord'), 5: JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'id', type: 'int' }] }) };
    const decoder = new RegistryDecoder<TrialRecord>('TrialRecord', { schemaById: (id) => Promise.resolve(texts[id] ?? '') });
    for (const id of [3, 4, 5]) await decoder.load(id);
    const oldType = avro.Type.forSchema(JSON.parse(OLD_SCHEMA) as avro.Schema);
    const framedValue = fc.oneof(
      { arbitrary: records.map((r) => frame(4, codec.encode(r))), weight: 4 },
      { arbitrary: records.map((r) => frame(3, oldType.toBuffer({ id: r.id, text: r.text, entities: r.entities.map((e) => ({ id: e.id, type: e.type, start: e.start, end: e.end })) }))), weight: 4 },
      records.map((r) => frame(5, codec.encode(r))),
      records.map((r) => frame(6, codec.encode(r))),
      records.map((r) => codec.encode(r)),
      hostileBytes.map((b) => frame(4, b)),
      hostileBytes,
      fc.constant(null),
    );
    const framedMessages = fc.array(framedValue, { minLength: 1, maxLength: 12 })
      .map((values) => values.map((value, i): IntakeMessage => ({ topic: 'in', partition: 1, offset: String(50 + i), value })));
    const here = inThreadIntake(new RecordIntake(loadConfig({ env: {} }), bundle, decoder, new EventParts(avroType('RelationEvent'), modelIdentity(bundle.config), 'cpu')));
    const workers = await startIntakePool({ modelDir: bundle.dir, config: loadConfig({ env: {} }), model: modelIdentity(bundle.config), provider: 'cpu' }, 2, decoder);
    framedPool = workers;
    const chunks = fc.sample(framedMessages, 100);
    const answers = await Promise.all(chunks.map((chunk) => workers.take(chunk)));
    for (const [i, chunk] of chunks.entries()) assert.deepEqual(plain(answers[i] ?? []), plain(await here.take(chunk)));
    // The generators reach each case: pairs from records framed with 3 and 4, dead letters for 5, 6 and no frame.
    const pairs = answers.flat().reduce((n, o) => n + (o.kind === 'pairs' ? o.pairs.length : 0), 0);
    assert.ok(pairs > 20, `pairs: ${pairs}`);
    const all = answers.flat().flatMap((o) => (o.kind === 'dead-letter' ? [o.message] : []));
    assert.ok(all.some((m) => /writer schema 5 cannot be read/.test(m)), 'an unreadable writer schema');
    assert.ok(all.some((m) => /writer schema 6 was not loaded/.test(m)), 'a schema this thread never loaded');
    assert.ok(all.some((m) => /magic byte|shorter than/.test(m)), 'an unframed value');
  });
});
