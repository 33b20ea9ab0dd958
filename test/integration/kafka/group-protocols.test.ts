/**
 * Commit on revoke, against the real broker, for every client and every group protocol it can speak there
 * (classic everywhere; KIP-848's consumer protocol with platformatic on a broker that runs it): a member told that
 * partitions are about to go still owns them, so what it commits then is accepted, and the member that takes them
 * over starts exactly there. What a graceful rebalance may never do is hand over work the old owner finished.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';

import { KAFKA_CLIENTS, type GroupProtocol } from '../../../src/kafka/client-kinds.js';
import type { GroupAssignment, IncomingMessage, KafkaClient, KafkaConsumer, TopicPartitions } from '../../../src/kafka/types.js';
import { waitFor } from '../../helpers/cli.js';
import { consumerProtocolOffered, uniqueTopic, useKafka } from '../../helpers/kafka.js';

interface Member {
  readonly consumer: KafkaConsumer;
  readonly received: IncomingMessage[];
  readonly revocations: TopicPartitions[][];
  /** Offsets this member committed inside its revocations, by partition. */
  readonly committedOnRevoke: Map<number, bigint>;
  assignment: GroupAssignment | undefined;
}

const eventually = (check: () => boolean, what: string, timeoutMs = 60_000): Promise<true> => waitFor(() => (check() ? true : undefined), what, timeoutMs);
const assignedTo = (m: Member): number[] => m.assignment?.partitions.flatMap((p) => [...p.partitions]) ?? [];

/** A member that never commits while it reads, only when partitions are revoked: next offset of what it read. */
async function join(client: KafkaClient, groupId: string, topic: string, groupProtocol: GroupProtocol): Promise<Member> {
  const consumer = await client.consumer({ groupId, groupProtocol, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 });
  const member: Member = { consumer, received: [], revocations: [], committedOnRevoke: new Map(), assignment: undefined };
  await consumer.run({
    topics: [topic],
    fromBeginning: true,
    onGroupJoin: (assignment) => { member.assignment = assignment; },
    eachBatch: (batch) => { member.received.push(...batch.messages); return Promise.resolve(); },
    onRevoking: async (partitions) => {
      member.revocations.push([...partitions]);
      const revoked = new Set(partitions.flatMap((p) => [...p.partitions]));
      const next = new Map<number, bigint>();
      for (const m of member.received) if (revoked.has(m.partition)) next.set(m.partition, BigInt(m.offset) + 1n);
      if (next.size === 0) return;
      const offsets = [...next].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() }));
      await consumer.commitOffsets(offsets);
      for (const [partition, offset] of next) member.committedOnRevoke.set(partition, offset);
    },
  });
  return member;
}

for (const kind of KAFKA_CLIENTS) {
  describe(`group protocols and commit on revoke: ${kind}`, () => {
    const kafka = useKafka(kind);

    for (const protocol of ['classic', 'consumer'] as const) {
      it(`${protocol}: partitions moving to a new member are committed by their owner first, and the new member starts there`, async (t) => {
        if (protocol === 'consumer' && !(await consumerProtocolOffered(t, kind, kafka.admin))) return;
        const topic = uniqueTopic(`revoke-${protocol}`);
        const partitions = 4;
        await kafka.topics(t, [{ topic, partitions }]);
        const producer = await kafka.client.producer();
        t.after(() => producer.disconnect());
        const count = 400;
        await producer.send(topic, Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`m${i}`), partition: i % partitions })));

        const groupId = `revoke-${randomUUID()}`;
        const first = await join(kafka.client, groupId, topic, protocol);
        t.after(() => first.consumer.disconnect());
        await eventually(() => first.received.length >= count, `the first member read all ${count}`);
        const second = await join(kafka.client, groupId, topic, protocol);
        t.after(() => second.consumer.disconnect());
        await eventually(() => assignedTo(second).length > 0 && assignedTo(first).length > 0
          && assignedTo(first).length + assignedTo(second).length === partitions, 'the partitions shared by both');

        const moved = assignedTo(second);
        assert.ok(first.revocations.length > 0, 'the first member was asked to give partitions up');
        const revoked = new Set(first.revocations.flat().flatMap((p) => [...p.partitions]));
        for (const p of moved) assert.ok(revoked.has(p), `partition ${p} moved without being revoked first`);
        if (protocol === 'consumer') {
          // KIP-848 revokes only what moves.
          assert.deepEqual([...revoked].sort(), [...moved].sort());
        }
        for (const p of moved) assert.equal(first.committedOnRevoke.get(p), BigInt(count / partitions), `partition ${p} committed on revoke up to what was read`);
        const committed = await kafka.admin.fetchCommittedOffsets(groupId, topic);
        for (const p of moved) assert.equal(committed.find((c) => c.partition === p)?.offset, String(count / partitions));
        // One more message per moved partition: once the new owner has read it, it has read all it will of them,
        // and that must be only these.
        await producer.send(topic, moved.map((partition) => ({ key: null, value: Buffer.from('after'), partition })));
        await eventually(() => second.received.filter((m) => m.value?.toString() === 'after').length === moved.length, 'the new owner read the messages sent after the move');
        assert.deepEqual(second.received.filter((m) => moved.includes(m.partition)).map((m) => `${m.partition}@${m.offset}`).sort(),
          moved.map((p) => `${p}@${count / partitions}`).sort(), 'the new owner read nothing the old one had committed');
      });
    }
  });
}
