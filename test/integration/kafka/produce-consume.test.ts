import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';

import type { GroupAssignment, IncomingMessage, KafkaConsumer } from '../../../src/kafka/types.js';
import { waitFor } from '../../helpers/cli.js';
import { uniqueTopic, useKafka } from '../../helpers/kafka.js';

interface Member {
  readonly consumer: KafkaConsumer;
  readonly received: IncomingMessage[];
  assignment: GroupAssignment | undefined;
}

/** Resolves once `check` holds (the shared waitFor helper, for boolean checks). */
const eventually = (check: () => boolean, what: string): Promise<true> => waitFor(() => (check() ? true : undefined), what, 30_000);

describe('kafkajs adapter against the real broker', () => {
  const kafka = useKafka();

  it('describes the single-node KRaft cluster', async () => {
    const cluster = await kafka.admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.equal(cluster.controllerId, cluster.brokers[0]?.nodeId);
    assert.ok(cluster.clusterId.length > 0);
  });

  it('produces keyed messages with headers and reads them back in partition order', async (t) => {
    const topic = uniqueTopic('roundtrip');
    await kafka.topics(t, [{ topic, partitions: 2 }]);
    const producer = await kafka.client.producer();
    t.after(() => producer.disconnect());
    const reports = await producer.send(topic, [
      { key: 'trial-1', value: Buffer.from('first'), headers: { 'x-reason': Buffer.from('none') } },
      { key: 'trial-1', value: Buffer.from('second') },
    ]);
    assert.equal(reports.length, 1, 'one key, one partition');

    const consumer = await kafka.client.consumer({ groupId: `test-${randomUUID()}` });
    t.after(() => consumer.disconnect());
    const received: IncomingMessage[] = [];
    await consumer.run({ topics: [topic], fromBeginning: true, eachBatch: (batch) => { received.push(...batch.messages); return Promise.resolve(); } });
    await eventually(() => received.length >= 2, 'two messages');

    assert.deepEqual(received.map((m) => m.value?.toString()), ['first', 'second']);
    const [first] = received;
    assert.ok(first);
    assert.equal(first.key?.toString(), 'trial-1');
    assert.equal(first.headers['x-reason']?.toString(), 'none');
    assert.equal(first.partition, reports[0]?.partition);
    assert.ok(Math.abs(first.timestampMs - Date.now()) < 60_000, 'Kafka timestamp is epoch ms');
  });

  it('a consumer group of two members shares the partitions and together reads every message once', async (t) => {
    const topic = uniqueTopic('group');
    const partitions = 4;
    await kafka.topics(t, [{ topic, partitions }]);
    const groupId = `test-group-${randomUUID()}`;

    const members: Member[] = [];
    for (let i = 0; i < 2; i++) {
      const member: Member = { consumer: await kafka.client.consumer({ groupId }), received: [], assignment: undefined };
      t.after(() => member.consumer.disconnect());
      await member.consumer.run({
        topics: [topic],
        fromBeginning: true,
        onGroupJoin: (assignment) => { member.assignment = assignment; },
        eachBatch: async (batch) => {
          member.received.push(...batch.messages);
          const last = batch.messages.at(-1);
          if (last) await member.consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
        },
      });
      members.push(member);
    }
    const assignedTo = (m: Member): number[] => m.assignment?.partitions.flatMap((p) => [...p.partitions]) ?? [];
    // Both members in one generation: each holds some partitions, none twice, all covered.
    await eventually(() => members.every((m) => assignedTo(m).length > 0)
      && members.reduce((n, m) => n + assignedTo(m).length, 0) === partitions, 'a balanced assignment');
    const all = members.flatMap(assignedTo).sort();
    assert.deepEqual(all, [0, 1, 2, 3]);

    const producer = await kafka.client.producer();
    t.after(() => producer.disconnect());
    const count = 200;
    const sent = Array.from({ length: count }, (_, i) => `message-${i}`);
    await producer.send(topic, sent.map((value, i) => ({ key: `key-${i}`, value: Buffer.from(value) })));

    const total = (): number => members.reduce((n, m) => n + m.received.length, 0);
    await eventually(() => total() >= count, `${count} messages`);
    for (const member of members) {
      assert.ok(member.received.length > 0, 'each member processed a share');
      const own = new Set(assignedTo(member));
      assert.ok(member.received.every((m) => own.has(m.partition)), 'a member reads only its own partitions');
    }
    const values = members.flatMap((m) => m.received.map((r) => r.value?.toString() ?? '')).sort();
    assert.deepEqual(values, [...sent].sort(), 'every message exactly once');
  });
});
