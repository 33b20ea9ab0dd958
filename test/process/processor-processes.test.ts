/**
 * Real `relstream run` processes against the real broker: two in one group share a 6-partition topic and
 * together process every record; SIGTERM mid-stream exits 0, and after a restart no record's relations are
 * missing (duplicates are counted and reported, not yet forbidden).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';

import { packageRoot } from '../../src/paths.js';
import type { IncomingMessage } from '../../src/kafka/types.js';
import { relationEventCodec, type TrialRecord } from '../../src/records/avro.js';
import { readToEnd, stopMembers, withoutEndMarkers } from '../helpers/chaos.js';
import { startCli, waitFor, type CliProcess } from '../helpers/cli.js';
import { expectedRelations } from '../helpers/expected-relations.js';
import { useKafka } from '../helpers/kafka.js';
import { manyRecords, produceRecords, readTopic, sampleRecords, testEnv, testTopics, type TestTopics, type TopicReader } from '../helpers/processor.js';

const TIMEOUT = { timeout: 180_000 };
const events = relationEventCodec();
const eventIds = (messages: readonly IncomingMessage[]): string[] => withoutEndMarkers(messages).map((m) => events.decode(m.value ?? Buffer.alloc(0)).id);

function startProcessor(t: TestContext, topics: TestTopics, extraEnv: Readonly<Record<string, string>> = {}): CliProcess {
  const cli = startCli(['run'], testEnv(topics, { RELSTREAM_LOG_LEVEL: 'info', ...extraEnv }));
  t.after(() => { cli.child.kill('SIGKILL'); });
  return cli;
}

async function httpPort(cli: CliProcess): Promise<number> {
  const line = await waitFor(() => cli.logs.find((l) => l['msg'] === 'http server listening'), 'the http server');
  return Number(line['port']);
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

/** The partitions of a process's latest group join. */
function latestAssignment(cli: CliProcess): string[] | undefined {
  const joins = cli.logs.filter((l) => l['msg'] === 'joined the consumer group');
  return joins.at(-1)?.['partitions'] as string[] | undefined;
}

describe('relstream run processes', () => {
  const kafka = useKafka();
  let perSample: Map<string, number>;
  before(async () => {
    const expected = await expectedRelations(sampleRecords(), 0.5);
    perSample = new Map<string, number>();
    for (const e of expected) perSample.set(e.recordId, (perSample.get(e.recordId) ?? 0) + 1);
  });

  async function setUp(t: TestContext, label: string): Promise<TestTopics> {
    const topics = testTopics(label);
    await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 6 }, { topic: topics.outputTopic, partitions: 3 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
    return topics;
  }

  /** Topics for one test, `copies` of the samples produced to its input, and a reader of its output. */
  async function stream(t: TestContext, label: string, copies: number): Promise<{ topics: TestTopics; records: TrialRecord[]; out: TopicReader }> {
    const topics = await setUp(t, label);
    const records = manyRecords(copies);
    const out = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => out.close());
    await produceRecords(kafka.client, topics.inputTopic, records);
    return { topics, records, out };
  }

  const expectedEventCount = (copies: number): number => [...perSample.values()].reduce((a, b) => a + b, 0) * copies;

  for (const members of [2, 3]) {
    it(`${members} processes in one group share a 6-partition topic and together process every record`, TIMEOUT, async (t) => {
      const topics = await setUp(t, `scale${members}`);
      const processes = Array.from({ length: members }, () => startProcessor(t, topics));
      // Produce only once the group has settled on a split of all six partitions, so no rebalance repeats work.
      await waitFor(() => {
        const assignments = processes.map(latestAssignment);
        const all = assignments.flatMap((a) => a ?? []);
        return assignments.every((a) => a && a.length > 0) && all.length === 6 && new Set(all).size === 6 ? true : undefined;
      }, `all ${members} members to share the six partitions`);
      const copies = 30;
      const records = manyRecords(copies);
      const out = await readTopic(kafka.client, topics.outputTopic);
      t.after(() => out.close());
      await produceRecords(kafka.client, topics.inputTopic, records);
      await out.until((m) => m.length >= expectedEventCount(copies), `${expectedEventCount(copies)} events`, 120_000);

      const ports = await Promise.all(processes.map(httpPort));
      for (const port of ports) {
        assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
        assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, 'ready: model warmed, in the group');
      }
      // Each process's own metrics: a share each, and together every record exactly once.
      const processed = await Promise.all(ports.map((p) => metric(p, 'relstream_records_processed_total')));
      t.diagnostic(`records processed per process: ${processed.join(', ')} of ${records.length}`);
      assert.ok(processed.every((n) => n > 0), 'each process did a share');
      assert.equal(processed.reduce((x, y) => x + y, 0), records.length, 'together, every record once');
      const recordIds = new Set(out.messages.map((m) => events.decode(m.value ?? Buffer.alloc(0)).recordId));
      assert.equal(recordIds.size, records.length);
    });
  }

  it('`produce` turns JSON lines into input records and `consume` prints the relation events as JSON lines', TIMEOUT, async (t) => {
    const topics = await setUp(t, 'cli');
    const env = testEnv(topics);
    const produce = startCli(['produce', join(packageRoot, 'samples', 'trials.jsonl')], env);
    assert.equal((await produce.exited).code, 0);
    startProcessor(t, topics);
    const expected = expectedEventCount(1);
    const consume = startCli(['consume', '--max', String(expected)], env);
    t.after(() => { consume.child.kill('SIGKILL'); });
    assert.equal((await consume.exited).code, 0);
    const printed = consume.stdoutLines.map((line) => JSON.parse(line) as { recordId: string; relation: string; subject: { text: string } });
    assert.equal(printed.length, expected);
    assert.ok(printed.some((e) => e.recordId === 'demo-0002' && e.relation === 'Has_Frequency' && e.subject.text === 'Aspirina'));
  });

  it('a member joining mid-stream (a rebalance) loses no record\'s relations', TIMEOUT, async (t) => {
    const topics = await setUp(t, 'rebalance');
    const out = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => out.close());
    // Tiny batches keep the tiny model's work in flight long enough for the rebalance to catch some.
    const slow = { RELSTREAM_BATCH_MAX_PAIRS: '2', RELSTREAM_QUEUE_MAX_PAIRS: '16' };
    const chunk = 20;
    let copies = 0;
    const produceChunk = async (): Promise<void> => {
      await produceRecords(kafka.client, topics.inputTopic, manyRecords(chunk, copies));
      copies += chunk;
    };
    const joins = (cli: CliProcess): number => cli.logs.filter((l) => l['msg'] === 'joined the consumer group').length;
    await produceChunk();
    const first = startProcessor(t, topics, slow);
    await out.until((m) => m.length > 0, 'the first events');
    const second = startProcessor(t, topics, slow);
    // Records keep coming, a chunk ahead of what the group has done, until the first member is rebalanced: so the
    // rebalance comes mid-stream however fast the machine (with all records produced up front, a fast one had
    // finished them before the second member joined).
    // Fails when the joining member stops moving (no new log line for 120 s), not after a fixed time: on a slow
    // machine its start and join take longer, and each round below waits for the group to catch up.
    let secondLogged = second.logs.length;
    let secondMovedAt = Date.now();
    while (joins(first) < 2) {
      if (second.logs.length !== secondLogged) {
        secondLogged = second.logs.length;
        secondMovedAt = Date.now();
      }
      assert.ok(Date.now() - secondMovedAt < 120_000, `the first member went through a rebalance: the joining member logged nothing for 120 s (${out.messages.length} events so far, ${joins(second)} joins of it)`);
      await produceChunk();
      await out.until((m) => new Set(eventIds(m)).size >= expectedEventCount(copies - chunk), 'the group to be one chunk behind', 120_000);
    }
    await produceChunk();
    await out.until((m) => new Set(eventIds(m)).size >= expectedEventCount(copies), 'every relation', 120_000);
    assert.ok((latestAssignment(second)?.length ?? 0) > 0, 'the second member took partitions over');
    const ids = eventIds(out.messages);
    t.diagnostic(`records: ${copies} copies of the samples; events: ${ids.length}, unique: ${new Set(ids).size}, redelivered duplicates: ${ids.length - new Set(ids).size}`);
    assert.equal(new Set(ids).size, expectedEventCount(copies));
  });

  it('exactly-once: a crash (SIGKILL) mid-stream and a restart leave every relation and dead letter exactly once for read_committed readers', TIMEOUT, async (t) => {
    const copies = 100;
    const { topics, out } = await stream(t, 'exactly-once', copies); // kafkajs reads read_committed by default
    const dlq = await readTopic(kafka.client, topics.deadLetterTopic);
    t.after(() => dlq.close());
    const producer = await kafka.client.producer();
    await producer.send(topics.inputTopic, [{ key: 'poison', value: Buffer.from('not avro') }]);
    await producer.disconnect();

    // A short session lets the group notice the killed member quickly (the broker's minimum is 6 s).
    const env = { RELSTREAM_DELIVERY_GUARANTEE: 'exactly-once', RELSTREAM_TRANSACTIONAL_ID: `test-${topics.groupId}`, RELSTREAM_COMMIT_INTERVAL_MS: '100', RELSTREAM_SESSION_TIMEOUT_MS: '6000', RELSTREAM_REVOKE_TIMEOUT_MS: '2500', RELSTREAM_HEARTBEAT_INTERVAL_MS: '1000' };
    const first = startProcessor(t, topics, { ...env, RELSTREAM_BATCH_MAX_PAIRS: '4' });
    await out.until((m) => m.length > 0, 'the first committed events');
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = out.messages.length;
    assert.ok(beforeRestart < expectedEventCount(copies), `crashed mid-stream (${beforeRestart} of ${expectedEventCount(copies)} events)`);

    const second = startProcessor(t, topics, env);
    await out.until((m) => m.length >= expectedEventCount(copies), 'all events', 120_000);
    await dlq.until((m) => m.length >= 1, 'the dead letter');
    // Stopped, nothing more can be written: a duplicate would be in the topic, and the end markers behind it.
    assert.deepEqual(await stopMembers([second]), [0]);
    await readToEnd(kafka.client, kafka.admin, out, topics.outputTopic);
    await readToEnd(kafka.client, kafka.admin, dlq, topics.deadLetterTopic);
    const ids = eventIds(out.messages);
    t.diagnostic(`events: ${ids.length}, unique: ${new Set(ids).size}, after a SIGKILL at ${beforeRestart}`);
    assert.equal(ids.length, expectedEventCount(copies), 'no duplicates');
    assert.equal(new Set(ids).size, expectedEventCount(copies), 'no relation missing');
    assert.equal(withoutEndMarkers(dlq.messages).length, 1, 'the dead letter exactly once');
  });

  it('SIGTERM mid-stream exits 0; after a restart no record is missing its relations', TIMEOUT, async (t) => {
    const copies = 100;
    const { topics, records, out } = await stream(t, 'restart', copies);

    const first = startProcessor(t, topics);
    await out.until((m) => m.length > 0, 'the first events');
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, 'graceful exit');
    const beforeRestart = out.messages.length;
    assert.ok(beforeRestart < expectedEventCount(copies), `stopped mid-stream (${beforeRestart} of ${expectedEventCount(copies)} events)`);

    const second = startProcessor(t, topics);
    await out.until((m) => new Set(m.map((x) => x.key?.toString())).size >= records.length, 'events for every record', 120_000);
    await out.until((m) => m.length >= expectedEventCount(copies), 'all events');
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);

    const ids = eventIds(out.messages);
    const unique = new Set(ids);
    t.diagnostic(`events: ${ids.length}, unique: ${unique.size}, duplicates after the restart: ${ids.length - unique.size}`);
    assert.equal(unique.size, expectedEventCount(copies), 'every relation of every record is there');
    for (const record of records) {
      const base = record.id.split('/')[0] ?? '';
      const count = new Set(eventIds(out.messages.filter((m) => m.key?.toString() === record.id))).size;
      assert.equal(count, perSample.get(base), `relations of ${record.id}`);
    }
  });
});
