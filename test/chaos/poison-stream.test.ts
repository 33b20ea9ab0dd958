/**
 * Chaos: a stream of generated poison (arbitrary bytes, mutated records, records with arbitrary field values,
 * and the shapes that once stopped the stream) mixed with good records, through one `relstream run` process.
 * What must hold: the process stays up, every good record's relations are there, every input record ends as
 * processed or as exactly one dead letter (nothing dropped silently), and the lag reaches 0.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import fc from 'fast-check';

import { DEAD_LETTER_HEADERS } from '../../src/publish/dead-letter.js';
import { trialRecordCodec } from '../../src/records/avro.js';
import { CHAOS_TEST_TIMEOUT_MS, eventIds, eventsPerSample, httpPort, memberEnv, startMember, untilLagZero } from '../helpers/chaos.js';
import { hostileBytes, mutate, records as arbitraryRecords, stoppedTheStream } from '../helpers/hostile-records.js';
import { useKafka } from '../helpers/kafka.js';
import { manyRecords, readTopic, testTopics } from '../helpers/processor.js';

const COPIES = 50;
const GENERATED = 300;

async function metricTotal(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

describe('chaos: poison mixed into the stream', () => {
  const kafka = useKafka();
  let perSample: Map<string, number>;
  before(async () => { perSample = await eventsPerSample(); });

  it('the process stays up; good records get their relations; every record is processed or dead-lettered once; lag 0', { timeout: CHAOS_TEST_TIMEOUT_MS }, async (t) => {
    const topics = testTopics('poison-stream');
    await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 3 }, { topic: topics.outputTopic, partitions: 3 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
    const codec = trialRecordCodec();
    const seed = Number(process.env['RELSTREAM_CHAOS_SEED'] ?? Date.now() % 2 ** 31);
    t.diagnostic(`poison seed ${seed} (repeat with RELSTREAM_CHAOS_SEED=${seed})`);
    const generated = fc.sample(fc.oneof(hostileBytes, mutate(arbitraryRecords), arbitraryRecords.map((r) => codec.encode(r))), { numRuns: GENERATED, seed });
    const poison = [...stoppedTheStream.map((s) => s.bytes), ...generated];
    const good = manyRecords(COPIES).map((r) => ({ key: r.id, value: codec.encode(r) }));
    // Interleave: a poison record after every few good ones, on every partition.
    const input = good.flatMap((message, i) => {
      const bad = poison[i];
      return bad ? [{ key: `poison-${i}`, value: bad }, message] : [message];
    });
    input.push(...poison.slice(good.length).map((value, i) => ({ key: `poison-tail-${i}`, value })));
    const producer = await kafka.client.producer();
    for (let i = 0; i < input.length; i += 200) await producer.send(topics.inputTopic, input.slice(i, i + 200));
    await producer.disconnect();

    const out = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => out.close());
    const dlq = await readTopic(kafka.client, topics.deadLetterTopic);
    t.after(() => dlq.close());
    const member = startMember(t, memberEnv(topics, 'at-least-once', 'poison', { RELSTREAM_MAX_MESSAGE_BYTES: '200000' }));
    const port = await httpPort(member);

    const expected = [...perSample.values()].reduce((a, b) => a + b, 0) * COPIES;
    const goodIds = new Set(good.map((g) => g.key));
    await out.until((m) => new Set(eventIds(m.filter((x) => goodIds.has(x.key?.toString() ?? '')))).size >= expected, `${expected} relations of the good records`);
    await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);

    const processed = await metricTotal(port, 'relstream_records_processed_total');
    const deadLettered = await metricTotal(port, 'relstream_records_dead_lettered_total');
    await dlq.until((m) => m.length >= deadLettered, `${deadLettered} dead letters`);
    const sources = dlq.messages.map((m) => `${m.headers[DEAD_LETTER_HEADERS.partition]?.toString()}:${m.headers[DEAD_LETTER_HEADERS.offset]?.toString()}`);
    const reasons = new Map<string, number>();
    for (const m of dlq.messages) {
      const reason = m.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? '?';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    t.diagnostic(`${input.length} records (${good.length} good, ${poison.length} poison): ${processed} processed, ${deadLettered} dead-lettered ${JSON.stringify(Object.fromEntries(reasons))}`);

    assert.equal(member.child.exitCode, null, 'the process is still running');
    assert.equal(processed + deadLettered, input.length, 'every record processed or dead-lettered');
    assert.equal(new Set(sources).size, sources.length, 'one dead letter per record');
    assert.equal(dlq.messages.length, deadLettered);
    assert.ok(deadLettered >= stoppedTheStream.filter((s) => s.reason !== '').length, 'the known poison shapes are dead letters');
    assert.equal(reasons.get('internal_error') ?? 0, 0, 'no unexpected errors');
  });
});
