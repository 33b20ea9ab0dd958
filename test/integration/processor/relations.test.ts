/**
 * The processor against the real broker, in this process: sample records in, exactly the expected relation
 * events out; poison records to the dead-letter topic with their reasons while good ones are processed.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';

import { silentLogger } from '../../../src/observability/logger.js';
import { startService } from '../../../src/cli/build-service.js';
import { DEAD_LETTER_HEADERS } from '../../../src/publish/dead-letter.js';
import { relationEventId } from '../../../src/publish/relation-event.js';
import { relationEventCodec, trialRecordCodec, type TrialRecord } from '../../../src/records/avro.js';
import { readToEnd, withoutEndMarkers } from '../../helpers/chaos.js';
import { expectedRelations } from '../../helpers/expected-relations.js';
import { useKafka } from '../../helpers/kafka.js';
import { manyRecords, produceRecords, readTopic, sampleRecords, testConfig, testTopics, untilProgressStops, type TestTopics } from '../../helpers/processor.js';

const TIMEOUT = { timeout: 120_000 };
const events = relationEventCodec();

describe('the stream processor', () => {
  const kafka = useKafka();
  const createTopics = (t: TestContext, topics: TestTopics): Promise<void> =>
    kafka.topics(t, [topics.inputTopic, topics.outputTopic, topics.deadLetterTopic].map((topic) => ({ topic, partitions: 3 })));

  it('turns the sample records into exactly the expected relation events', TIMEOUT, async (t) => {
    const topics = testTopics('relations');
    await createTopics(t, topics);
    const records = sampleRecords();
    const expected = await expectedRelations(records, 0.5);
    assert.ok(expected.length > 40, 'the samples hold many relations');
    assert.ok(expected.some((e) => e.recordId === 'demo-0002' && e.relation === 'Has_Frequency'), 'Aspirina cada 8 horas');

    const reader = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => reader.close());
    const service = await startService(testConfig(topics), silentLogger);
    t.after(() => service.stop());
    await produceRecords(kafka.client, topics.inputTopic, records);
    await reader.until((m) => m.length >= expected.length, `${expected.length} relation events`);
    // Stopped, nothing more can be written: anything extra is in the topic, ahead of the end markers.
    await service.stop();
    await readToEnd(kafka.client, kafka.admin, reader, topics.outputTopic);

    const got = withoutEndMarkers(reader.messages).map((m) => ({ key: m.key?.toString(), event: events.decode(m.value ?? Buffer.alloc(0)) }));
    assert.equal(got.length, expected.length, 'no extra events');
    const byPair = new Map(got.map((g) => [`${g.event.recordId}|${g.event.subject.id}|${g.event.object.id}`, g]));
    for (const e of expected) {
      const found = byPair.get(`${e.recordId}|${e.subjectId}|${e.objectId}`);
      assert.ok(found, `event for ${e.recordId} ${e.subjectId}->${e.objectId}`);
      const { event, key } = found;
      assert.equal(event.relation, e.relation);
      assert.ok(Math.abs(event.score - e.score) < 1e-5, `score ${event.score} vs ${e.score}`);
      assert.equal(key, e.recordId, 'keyed by record id');
      assert.equal(event.provider, 'cpu');
      assert.equal(event.model.name, 'tiny-re-ct');
      assert.equal(event.provenance.topic, topics.inputTopic);
      assert.equal(event.id, relationEventId(e.recordId, e.subjectId, e.objectId, `${event.model.name}@${event.model.version}#${event.model.sha256}`));
    }
    const aspirin = got.find((g) => g.event.recordId === 'demo-0002')?.event;
    assert.deepEqual([aspirin?.subject.text, aspirin?.object.text], ['Aspirina', 'cada 8 horas']);
    const nonBmp = got.find((g) => g.event.recordId === 'demo-0010' && g.event.object.type === 'DISO')?.event;
    assert.equal(nonBmp?.object.text, 'diabetes tipo 1', 'code-point offsets after 🩺 resolve to the right text');
    assert.equal((await service.metrics.recordsProcessed.get()).values[0]?.value, records.length);
  });

  it('sends each poison record to the dead-letter topic with its reason and processes every good record', TIMEOUT, async (t) => {
    const topics = testTopics('poison');
    await createTopics(t, topics);
    const good = sampleRecords().slice(0, 6);
    const base = good[1]; // "Aspirina administrada cada 8 horas."
    const [chem, freq] = base?.entities ?? [];
    assert.ok(base && chem && freq);
    const poison: { record: TrialRecord | Buffer; reason: string }[] = [
      { record: Buffer.from('not avro at all'), reason: 'malformed_avro' },
      { record: { ...base, id: 'p-unknown-type', entities: [{ ...chem, type: 'Medicine' }] }, reason: 'unknown_entity_type' },
      { record: { ...base, id: 'p-out-of-range', entities: [{ id: 'T1', type: 'CHEM', start: 30, end: 99 }] }, reason: 'offsets_out_of_range' },
      { record: { ...base, id: 'p-inverted', entities: [{ id: 'T1', type: 'CHEM', start: 8, end: 0 }] }, reason: 'offsets_inverted' },
      { record: { ...base, id: 'p-duplicate', entities: [chem, { ...freq, id: 'T1' }] }, reason: 'duplicate_entity_id' },
      { record: { ...base, id: 'p-too-long', text: 'x'.repeat(3000), entities: [] }, reason: 'text_too_long' },
      { record: { ...base, id: 'p-many-entities', entities: Array.from({ length: 60 }, (_, i) => ({ id: `E${i}`, type: 'CHEM', start: 0, end: 8 })) }, reason: 'too_many_entities' },
      // Shapes that stopped the stream before (the reliability issue):
      { record: { ...base, id: 'x'.repeat(100_000) }, reason: 'id_too_long' },
      { record: Buffer.concat([Buffer.from([0x04, 0x72, 0x31, 0x00, 0x04, 0x65, 0x73, 0x00]), Buffer.from([0x80, 0xa8, 0xd6, 0xb9, 0x07]), Buffer.alloc(30)]), reason: 'malformed_avro' },
      { record: { ...base, id: 'p-output-too-large', metadata: { note: 'n'.repeat(12_000) } }, reason: 'output_too_large' },
      { record: { ...base, id: 'p-many-pairs', entities: Array.from({ length: 40 }, (_, i) => ({ id: `E${i}`, type: i % 2 ? 'CHEM' : 'Frequency', start: i % 2 ? 0 : 22, end: i % 2 ? 8 : 34 })) }, reason: 'too_many_pairs' },
    ];
    const codec = trialRecordCodec();
    const producer = await kafka.client.producer();
    const interleaved = good.flatMap((record, i) => {
      const bad = poison[i] ? [poison[i]] : [];
      const extra = i === good.length - 1 ? poison.slice(good.length) : [];
      return [...bad, ...extra, { record, reason: '' }];
    });
    await producer.send(topics.inputTopic, interleaved.map(({ record }) => Buffer.isBuffer(record)
      ? { key: 'raw', value: record, partition: 0 }
      : { key: record.id, value: codec.encode(record), partition: 0 }));
    await producer.disconnect();

    const dlq = await readTopic(kafka.client, topics.deadLetterTopic);
    t.after(() => dlq.close());
    const out = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => out.close());
    const expected = await expectedRelations(good, 0.5);
    const limits = { maxTextLength: '2000', maxEntitiesPerRecord: '50', maxPairsPerRecord: '100', maxMessageBytes: '10000' };
    const service = await startService(testConfig(topics, limits), silentLogger);
    t.after(() => service.stop());

    await dlq.until((m) => m.length >= poison.length, `${poison.length} dead letters`);
    await out.until((m) => m.length >= expected.length, `${expected.length} relation events`);
    const header = (m: (typeof dlq.messages)[number], name: string): string | undefined => m.headers[name]?.toString();
    assert.deepEqual(dlq.messages.map((m) => header(m, DEAD_LETTER_HEADERS.reason)).sort(), poison.map((p) => p.reason).sort());
    for (const m of dlq.messages) {
      assert.equal(header(m, DEAD_LETTER_HEADERS.topic), topics.inputTopic);
      assert.equal(header(m, DEAD_LETTER_HEADERS.partition), '0');
      assert.match(header(m, DEAD_LETTER_HEADERS.offset) ?? '', /^\d+$/);
      assert.ok((header(m, DEAD_LETTER_HEADERS.message) ?? '').length > 5, 'a readable reason');
      assert.match(header(m, DEAD_LETTER_HEADERS.code) ?? '', /^RELSTREAM_RECORD_(MALFORMED|INVALID|OUTPUT_TOO_LARGE)$/);
      assert.ok((m.value?.length ?? 0) + (m.key?.length ?? 0) <= 10_000, 'a dead letter fits maxMessageBytes');
    }
    const tooLarge = dlq.messages.find((m) => header(m, DEAD_LETTER_HEADERS.reason) === 'output_too_large');
    assert.match(header(tooLarge ?? dlq.messages[0] ?? { headers: {} } as never, DEAD_LETTER_HEADERS.truncated) ?? '', /value \d+ bytes/, 'an outsized dead letter says it was cut');
    assert.match(header(tooLarge ?? { headers: {} } as never, DEAD_LETTER_HEADERS.message) ?? '', /relation event [0-9a-f]{64} is \d+ bytes/, 'it names the event too large by its id');
    const malformed = dlq.messages.find((m) => header(m, DEAD_LETTER_HEADERS.reason) === 'malformed_avro' && m.value?.toString() === 'not avro at all');
    assert.equal(malformed?.value?.toString(), 'not avro at all', 'original bytes kept');
    const recordIds = new Set(out.messages.map((m) => events.decode(m.value ?? Buffer.alloc(0)).recordId));
    assert.deepEqual([...recordIds].sort(), [...new Set(expected.map((e) => e.recordId))].sort());

    // Every offset, poison included, gets committed: the group has consumed the whole partition.
    const deadline = Date.now() + 30_000;
    let committed = '';
    // Polled with a deadline (a condition, not a fixed wait).
    while (Date.now() < deadline) {
      committed = (await kafka.admin.fetchCommittedOffsets(topics.groupId, topics.inputTopic)).find((p) => p.partition === 0)?.offset ?? '';
      if (committed === String(interleaved.length)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(committed, String(interleaved.length));
    assert.equal((await service.metrics.recordsProcessed.get()).values[0]?.value, good.length);
  });

  it('processes every record when a few records fill inFlightMaxBytes, fewer than go to intake together', { timeout: 300_000 }, async (t) => {
    // Admitted records wait in the partition's intake chunk until it fills: if they alone fill the bytes in flight,
    // only sending them on frees room (they had waited for it, and the stream stopped for good).
    const topics = testTopics('in-flight-bytes');
    await createTopics(t, topics);
    const records = manyRecords(10);
    const service = await startService(testConfig(topics, { inFlightMaxBytes: '1000' }), silentLogger);
    t.after(() => service.stop());
    await produceRecords(kafka.client, topics.inputTopic, records);
    const processed = async (): Promise<number> => (await service.metrics.recordsProcessed.get()).values[0]?.value ?? 0;
    await untilProgressStops(async () => (await processed()) >= records.length, processed, `${records.length} records processed`, 60_000);
    assert.equal(await processed(), records.length);
  });
});
