/**
 * relstream with a real Schema Registry (Karapace) and the real broker: the RelationEvent schema registered at
 * start, events in the Confluent wire format that an independent registry client decodes, framed input written
 * with an older compatible schema, a refusal that stops the start, and a registry outage that holds records
 * back instead of dead-lettering them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';

import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';

import { silentLogger } from '../../../src/observability/logger.js';
import { startService } from '../../../src/cli/build-service.js';
import { DEAD_LETTER_HEADERS } from '../../../src/publish/dead-letter.js';
import { schemaText, type TrialRecord } from '../../../src/records/avro.js';
import { frame } from '../../../src/registry/wire-format.js';
import { expectedRelations } from '../../helpers/expected-relations.js';
import { waitFor } from '../../helpers/cli.js';
import { karapaceMissing, startKarapace, type Karapace } from '../../helpers/karapace.js';
import { useKafka } from '../../helpers/kafka.js';
import { produceRecords, readTopic, sampleRecords, testConfig, testTopics, type TestTopics } from '../../helpers/processor.js';

const TIMEOUT = { timeout: 420_000 }; // room for a Karapace restart on a loaded machine (its start deadline is 180 s)
const JSON_TYPE = { 'content-type': 'application/vnd.schemaregistry.v1+json' };

/** TrialRecord as an older producer wrote it: no source, language or metadata (the reader's defaults fill them). */
const OLD_TRIAL_RECORD = {
  type: 'record', name: 'TrialRecord', namespace: 'dev.relstream',
  fields: [
    { name: 'id', type: 'string' }, { name: 'text', type: 'string' },
    { name: 'entities', type: { type: 'array', items: { type: 'record', name: 'Entity', fields: [{ name: 'id', type: 'string' }, { name: 'type', type: 'string' }, { name: 'start', type: 'int' }, { name: 'end', type: 'int' }] } } },
  ],
};

const oldType = avro.Type.forSchema(OLD_TRIAL_RECORD as avro.Schema);

/** The samples as an older producer writes them, framed with `oldId`; `records` with the reader's defaults filled in. */
function oldProducer(oldId: number, count?: number): { records: TrialRecord[]; messages: { key: string; value: Buffer }[] } {
  const records = sampleRecords().slice(0, count).map((r): TrialRecord => ({ ...r, source: null, language: 'es', metadata: {} }));
  return { records, messages: records.map((r) => ({ key: r.id, value: frame(oldId, oldType.toBuffer({ id: r.id, text: r.text, entities: r.entities })) })) };
}

async function register(url: string, subject: string, schema: unknown): Promise<number> {
  const response = await fetch(`${url}/subjects/${subject}/versions`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ schema: JSON.stringify(schema) }) });
  const body = await response.json() as { id?: number; message?: string };
  if (!response.ok || body.id === undefined) throw new Error(`register ${subject}: HTTP ${response.status} ${body.message ?? ''}`);
  return body.id;
}

describe('the Schema Registry (Karapace)', { skip: karapaceMissing() }, () => {
  const kafka = useKafka();
  let registry: Karapace & { port: number; suffix: string };
  before(async () => { registry = await startKarapace(); });
  after(async () => { await registry.stop(); });
  const createTopics = (t: TestContext, topics: TestTopics): Promise<void> =>
    kafka.topics(t, [topics.inputTopic, topics.outputTopic, topics.deadLetterTopic].map((topic) => ({ topic, partitions: 2 })));
  /** Readers of the output and dead-letter topics, then relstream reading framed input. */
  const startConfluentInput = async (t: TestContext, topics: TestTopics) => {
    const out = await readTopic(kafka.client, topics.outputTopic);
    const dlq = await readTopic(kafka.client, topics.deadLetterTopic);
    t.after(() => Promise.all([out.close(), dlq.close()]));
    const service = await startService(testConfig(topics, { schemaRegistryUrl: registry.url, inputFormat: 'confluent' }), silentLogger);
    t.after(() => service.stop());
    const producer = await kafka.client.producer();
    t.after(() => producer.disconnect());
    return { out, dlq, service, producer };
  };

  it('registers RelationEvent under <outputTopic>-value and writes events an independent registry client decodes', TIMEOUT, async (t) => {
    const topics = testTopics('registry-out');
    await createTopics(t, topics);
    const records = sampleRecords();
    const expected = await expectedRelations(records, 0.5);
    const reader = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => reader.close());
    const service = await startService(testConfig(topics, { schemaRegistryUrl: registry.url }), silentLogger);
    t.after(() => service.stop());
    await produceRecords(kafka.client, topics.inputTopic, records);
    await reader.until((m) => m.length >= expected.length, `${expected.length} relation events`);

    const latest = await (await fetch(`${registry.url}/subjects/${topics.outputTopic}-value/versions/latest`)).json() as { id: number; schema: string };
    assert.deepEqual(JSON.parse(latest.schema), JSON.parse(schemaText('RelationEvent')), 'the shipped schema, as registered');
    // An independent implementation of the wire format: @kafkajs/confluent-schema-registry reads the id and
    // fetches the schema from the registry itself.
    const independent = new SchemaRegistry({ host: registry.url });
    const decoded: { recordId: string; relation: string; subject: { id: string }; object: { id: string } }[] = [];
    for (const message of reader.messages) {
      const value = message.value ?? Buffer.alloc(0);
      assert.equal(value[0], 0, 'magic byte');
      assert.equal(value.readUInt32BE(1), latest.id, 'the registered id');
      decoded.push(await independent.decode(value) as (typeof decoded)[number]);
    }
    assert.deepEqual(decoded.map((e) => `${e.recordId}|${e.subject.id}|${e.object.id}|${e.relation}`).sort(), expected.map((e) => `${e.recordId}|${e.subjectId}|${e.objectId}|${e.relation}`).sort());
  });

  it('decodes framed input written with an older compatible schema; an unframed or unreadable record is a dead letter', TIMEOUT, async (t) => {
    const topics = testTopics('registry-in');
    await createTopics(t, topics);
    const oldId = await register(registry.url, `${topics.inputTopic}-value`, OLD_TRIAL_RECORD);
    const unreadableId = await register(registry.url, `${topics.inputTopic}-other-value`, { type: 'record', name: 'Other', fields: [{ name: 'id', type: 'int' }] });
    const { records, messages } = oldProducer(oldId);
    const expected = await expectedRelations(records, 0.5);
    const { out, dlq, producer } = await startConfluentInput(t, topics);
    await producer.send(topics.inputTopic, [
      { key: 'unframed', value: Buffer.from('plain bytes, no header') },
      { key: 'unreadable', value: frame(unreadableId, avro.Type.forSchema({ type: 'record', name: 'Other', fields: [{ name: 'id', type: 'int' }] }).toBuffer({ id: 7 })) },
      ...messages,
    ]);
    await out.until((m) => m.length >= expected.length, `${expected.length} relation events`);
    await dlq.until((m) => m.length >= 2, 'two dead letters');
    const reasons = new Map(dlq.messages.map((m) => [m.key?.toString(), m.headers[DEAD_LETTER_HEADERS.message]?.toString() ?? '']));
    assert.match(reasons.get('unframed') ?? '', /Schema Registry wire format/);
    assert.match(reasons.get('unreadable') ?? '', new RegExp(`writer schema ${unreadableId} cannot be read as TrialRecord`));
    assert.equal(out.messages.length, expected.length);
  });

  it('a registry that refuses the RelationEvent schema (incompatible) stops the start, saying why', TIMEOUT, async (t) => {
    const topics = testTopics('registry-refused');
    await createTopics(t, topics);
    // An earlier version the shipped schema cannot read under BACKWARD: a required field it lacks no default for.
    await register(registry.url, `${topics.outputTopic}-value`, { type: 'record', name: 'RelationEvent', namespace: 'dev.relstream', fields: [{ name: 'legacy', type: 'int' }] });
    await fetch(`${registry.url}/config/${topics.outputTopic}-value`, { method: 'PUT', headers: JSON_TYPE, body: JSON.stringify({ compatibility: 'FORWARD' }) });
    // Sockets and timers this process holds: a refused start must leave none of its own behind (it had left the
    // cluster probe's admin connection and timer, and the consumer's connection, open).
    const held = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
    const before = held();
    await assert.rejects(startService(testConfig(topics, { schemaRegistryUrl: registry.url }), silentLogger), (error: Error & { code?: string; retriable?: boolean }) => {
      assert.equal(error.code, 'RELSTREAM_REGISTRY_REFUSED');
      assert.equal(error.retriable, false);
      assert.match(error.message, /incompatible/);
      assert.match(error.message, new RegExp(`${topics.outputTopic}-value`));
      return true;
    });
    // Closed sockets leave the list once their close completes: waited for, with a deadline, not a fixed sleep.
    await waitFor(() => (held() <= before ? true : undefined), `the failed start's sockets and timers closed (held ${held()}, ${before} before it)`, 30_000);
  });

  it('holds a record back while the registry is down and processes it once the registry is back: no dead letter', TIMEOUT, async (t) => {
    const topics = testTopics('registry-outage');
    await createTopics(t, topics);
    const oldId = await register(registry.url, `${topics.inputTopic}-value`, OLD_TRIAL_RECORD);
    const { records, messages } = oldProducer(oldId, 4);
    const expected = await expectedRelations(records, 0.5);
    const { out, dlq, service, producer } = await startConfluentInput(t, topics);
    // relstream has not fetched oldId yet: the first record will need the registry.
    await registry.stop();
    await producer.send(topics.inputTopic, messages);
    const deadline = Date.now() + 30_000;
    while (((await service.metrics.schemaRegistryErrors.get()).values.reduce((n, v) => n + v.value, 0)) < 2) {
      assert.ok(Date.now() < deadline, 'relstream retried the registry');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(out.messages.length + dlq.messages.length, 0, 'nothing out while the registry is down');
    registry = await startKarapace({ port: registry.port, suffix: registry.suffix });
    await out.until((m) => m.length >= expected.length, `${expected.length} relation events after the registry came back`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(dlq.messages.length, 0, 'no dead letter for a good record');
  });
});
