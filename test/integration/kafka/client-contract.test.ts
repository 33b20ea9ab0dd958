/**
 * The contract every Kafka adapter behind src/kafka/types.ts keeps, run against the real broker for each
 * client relstream can be configured with (`kafkaClient`). What differs between them is declared here
 * (`fencesZombies`) and asserted both ways, so a change in either client shows up as a failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join as joinPath } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { loadConfig } from '../../../src/config/load-config.js';
import { RelstreamError } from '../../../src/errors.js';
import { kafkaConnection } from '../../../src/kafka/connection-from-config.js';
import { createKafkaClient, FENCES_ZOMBIES, KAFKA_CLIENTS } from '../../../src/kafka/create-client.js';
import type { GroupProtocol } from '../../../src/kafka/client-kinds.js';
import type { GroupAssignment, IncomingMessage, KafkaClient, KafkaConsumer, SaslMechanism } from '../../../src/kafka/types.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { waitFor } from '../../helpers/cli.js';
import { consumerProtocolOffered, testBrokers, uniqueTopic, useKafka } from '../../helpers/kafka.js';

const testDir = dirname(fileURLToPath(import.meta.url));

interface Member {
  readonly consumer: KafkaConsumer;
  readonly received: IncomingMessage[];
  assignment: GroupAssignment | undefined;
  rebalances: number;
}

/** Resolves once `check` holds (the shared waitFor helper, for boolean checks). */
const eventually = (check: () => boolean, what: string, timeoutMs = 30_000): Promise<true> => waitFor(() => (check() ? true : undefined), what, timeoutMs);


const assignedTo = (m: Member): number[] => m.assignment?.partitions.flatMap((p) => [...p.partitions]) ?? [];

async function join(client: KafkaClient, groupId: string, topic: string, extra: { sessionTimeoutMs?: number; heartbeatIntervalMs?: number; commit?: boolean; groupProtocol?: GroupProtocol } = {}): Promise<Member> {
  const consumer = await client.consumer({
    groupId,
    ...(extra.groupProtocol === undefined ? {} : { groupProtocol: extra.groupProtocol }),
    ...(extra.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: extra.sessionTimeoutMs }),
    ...(extra.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: extra.heartbeatIntervalMs }),
  });
  const member: Member = { consumer, received: [], assignment: undefined, rebalances: 0 };
  await consumer.run({
    topics: [topic],
    fromBeginning: true,
    onGroupJoin: (assignment) => { member.assignment = assignment; },
    onRebalancing: () => { member.rebalances++; },
    eachBatch: async (batch) => {
      member.received.push(...batch.messages);
      const last = batch.messages.at(-1);
      if (last && extra.commit !== false) await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
    },
  });
  return member;
}

/** Every committed message of a topic, read by a fresh group (read_committed) until `count` arrived. */
async function readAll(client: KafkaClient, topic: string, count: number): Promise<IncomingMessage[]> {
  const consumer = await client.consumer({ groupId: `reader-${randomUUID()}` });
  const received: IncomingMessage[] = [];
  try {
    await consumer.run({ topics: [topic], fromBeginning: true, eachBatch: (batch) => { received.push(...batch.messages); return Promise.resolve(); } });
    await eventually(() => received.length >= count, `${count} messages on ${topic}`);
    await sleep(500);
    return received;
  } finally {
    await consumer.disconnect();
  }
}

for (const kind of KAFKA_CLIENTS) {
  describe(`Kafka client contract: ${kind}`, () => {
    const kafka = useKafka(kind);

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
        { key: null, value: Buffer.from('keyless') },
      ]);
      assert.ok(reports.every((r) => r.topic === topic && BigInt(r.baseOffset) >= 0n));

      const received = await readAll(kafka.client, topic, 3);
      const keyed = received.filter((m) => m.key !== null);
      assert.deepEqual(keyed.map((m) => m.value?.toString()), ['first', 'second']);
      const [first] = keyed;
      assert.ok(first);
      assert.equal(first.key?.toString(), 'trial-1');
      assert.equal(first.headers['x-reason']?.toString(), 'none');
      // Written and read without headers (the patched library's shared empty ones): none, whatever came before.
      assert.deepEqual(keyed.slice(1).map((m) => Object.keys(m.headers)), [[]]);
      assert.deepEqual(received.filter((m) => m.key === null).map((m) => Object.keys(m.headers)), [[]]);
      // murmur2 like the Java client: "trial-1" lands on partition 0 of 2 whichever client wrote it.
      assert.equal(first.partition, 0);
      assert.ok(Math.abs(first.timestampMs - Date.now()) < 60_000, 'Kafka timestamp is epoch ms');
      const offsets = await kafka.admin.fetchTopicOffsets(topic);
      assert.equal(offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0), 3);
    });

    it('keeps users\' logs free of Node warnings: no negative timer in a produce and read round trip', async (t) => {
      // kafkajs scheduled its request queue's throttle check at -Date.now() ms when unthrottled (patched). Node
      // warns of it once per process, so the round trip runs in a fresh one.
      const topic = uniqueTopic('warnings');
      await kafka.topics(t, [{ topic, partitions: 2 }]);
      const probe = spawn(process.execPath, [joinPath(testDir, '..', '..', 'helpers', 'warning-probe.js'), kind, testBrokers().join(','), topic], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await createInterface({ input: probe.stdout })[Symbol.asyncIterator]().next();
      const report = JSON.parse(String(line.value)) as { read: number; warnings: string[] };
      assert.equal(report.read, 50);
      assert.deepEqual(report.warnings.filter((w) => w.startsWith('TimeoutNegativeWarning')), []);
    });

    it('a group of two members shares the partitions, announces the rebalance, and together reads every message once', async (t) => {
      const topic = uniqueTopic('group');
      const partitions = 4;
      await kafka.topics(t, [{ topic, partitions }]);
      const groupId = `test-group-${randomUUID()}`;

      const first = await join(kafka.client, groupId, topic);
      t.after(() => first.consumer.disconnect());
      await eventually(() => assignedTo(first).length === partitions, 'the first member owns every partition');
      const second = await join(kafka.client, groupId, topic);
      t.after(() => second.consumer.disconnect());
      const members = [first, second];
      await eventually(() => members.every((m) => assignedTo(m).length > 0)
        && members.reduce((n, m) => n + assignedTo(m).length, 0) === partitions, 'a balanced assignment');
      assert.deepEqual(members.flatMap(assignedTo).sort(), [0, 1, 2, 3]);
      assert.ok(first.rebalances >= 1, 'the first member was told of the rebalance');

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

    it('commits offsets that the admin sees and a later member of the group resumes after', async (t) => {
      const topic = uniqueTopic('commit');
      await kafka.topics(t, [{ topic, partitions: 1 }]);
      const groupId = `test-commit-${randomUUID()}`;
      const producer = await kafka.client.producer();
      t.after(() => producer.disconnect());
      await producer.send(topic, ['a', 'b', 'c'].map((v) => ({ key: v, value: Buffer.from(v) })));

      const reader = await kafka.client.consumer({ groupId });
      const seen: string[] = [];
      await reader.run({
        topics: [topic], fromBeginning: true,
        eachBatch: async (batch) => {
          for (const m of batch.messages) {
            seen.push(m.value?.toString() ?? '');
            // Commit only through "b": "c" stays uncommitted.
            if (m.value?.toString() === 'b') await reader.commitOffsets([{ topic, partition: 0, offset: String(BigInt(m.offset) + 1n) }]);
          }
        },
      });
      await eventually(() => seen.length >= 3, 'three messages');
      await reader.disconnect();
      assert.deepEqual(await kafka.admin.fetchCommittedOffsets(groupId, topic), [{ partition: 0, offset: '2' }]);

      const later = await join(kafka.client, groupId, topic, { commit: false });
      t.after(() => later.consumer.disconnect());
      await eventually(() => later.received.length >= 1, 'the uncommitted message again');
      await sleep(500);
      assert.deepEqual(later.received.map((m) => m.value?.toString()), ['c']);
    });

    it('a paused partition delivers nothing until it is resumed, then everything in order', async (t) => {
      const topic = uniqueTopic('pause');
      await kafka.topics(t, [{ topic, partitions: 2 }]);
      const member = await join(kafka.client, `test-pause-${randomUUID()}`, topic);
      t.after(() => member.consumer.disconnect());
      await eventually(() => assignedTo(member).length === 2, 'both partitions assigned');
      member.consumer.pause([{ topic, partitions: [0] }]);
      const producer = await kafka.client.producer();
      t.after(() => producer.disconnect());
      const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
      for (const partition of [0, 1]) await producer.send(topic, values.map((v) => ({ key: v, value: Buffer.from(v), partition })));

      await eventually(() => member.received.filter((m) => m.partition === 1).length === 20, 'the running partition delivers');
      await sleep(1500);
      assert.equal(member.received.filter((m) => m.partition === 0).length, 0, 'nothing from the paused partition');
      member.consumer.resume([{ topic, partitions: [0] }]);
      await eventually(() => member.received.filter((m) => m.partition === 0).length === 20, 'the resumed partition delivers');
      assert.deepEqual(member.received.filter((m) => m.partition === 0).map((m) => m.value?.toString()), values);
    });

    it('a transaction makes its messages and its offsets visible together, and an aborted one neither', async (t) => {
      const input = uniqueTopic('tx-in');
      const output = uniqueTopic('tx-out');
      await kafka.topics(t, [{ topic: input, partitions: 1 }, { topic: output, partitions: 1 }]);
      const groupId = `test-tx-${randomUUID()}`;
      const plain = await kafka.client.producer();
      t.after(() => plain.disconnect());
      await plain.send(input, [{ key: 'k', value: Buffer.from('in-0') }, { key: 'k', value: Buffer.from('in-1') }]);

      const producer = await kafka.client.producer({ transactionalId: `test-tx-${randomUUID()}` });
      t.after(() => producer.disconnect());
      const consumer = await kafka.client.consumer({ groupId });
      t.after(() => consumer.disconnect());
      const outcomes: string[] = [];
      await consumer.run({
        topics: [input], fromBeginning: true,
        eachBatch: async (batch) => {
          for (const m of batch.messages) {
            const value = m.value?.toString() ?? '';
            const work = producer.transaction(async (tx) => {
              await tx.send(output, [{ key: 'k', value: Buffer.from(`out-${value}`) }]);
              await tx.sendOffsets(groupId, [{ topic: input, partition: 0, offset: String(BigInt(m.offset) + 1n) }]);
              if (value === 'in-1') throw new Error('abort this one');
            });
            outcomes.push(await work.then(() => `${value}:committed`, (error: unknown) => `${value}:aborted:${(error as Error).message}`));
          }
        },
      });
      await eventually(() => outcomes.length >= 2, 'two transactions');
      assert.deepEqual(outcomes.slice(0, 2), ['in-0:committed', 'in-1:aborted:abort this one'], 'the work\'s own error comes back unchanged');
      const visible = await readAll(kafka.client, output, 1);
      assert.deepEqual(visible.map((m) => m.value?.toString()), ['out-in-0'], 'the aborted message stays invisible to read_committed');
      assert.deepEqual(await kafka.admin.fetchCommittedOffsets(groupId, input), [{ partition: 0, offset: '1' }], 'only the committed transaction moved the group');
    });

    it('read_committed skips every aborted transaction: several of one producer, after a new instance, and one larger than a fetch', async (t) => {
      const topic = uniqueTopic('aborts');
      await kafka.topics(t, [{ topic, partitions: 1 }]);
      const transactionalId = `test-aborts-${randomUUID()}`;
      // A seeded plan, so a failure repeats: transactions of random size and outcome; a replaced producer instance
      // (the same producer id under a new epoch, as the exactly-once sink retries); 1.5 MB aborted in one
      // transaction, so a fetch holds its records but not its abort marker.
      let seed = 20_261_125;
      const random = (n: number): number => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed % n; };
      const committed: string[] = [];
      let producer = await kafka.client.producer({ transactionalId });
      t.after(() => producer.disconnect().catch(() => undefined));
      for (let i = 0; i < 16; i++) {
        if (i === 8) {
          await producer.disconnect();
          producer = await kafka.client.producer({ transactionalId });
        }
        const large = i === 5;
        const abort = large || random(2) === 0;
        const values = Array.from({ length: large ? 15 : 1 + random(30) }, (_, j) => `t${i}-m${j}`);
        const outcome = producer.transaction(async (tx) => {
          for (let from = 0; from < values.length; from += 5) {
            await tx.send(topic, values.slice(from, from + 5).map((v) => ({ key: 'k', value: Buffer.concat([Buffer.from(`${v}|`), Buffer.alloc(large ? 100_000 : 0)]) })));
          }
          if (abort) throw new Error('aborted on purpose');
        });
        await (abort ? assert.rejects(outcome, /aborted on purpose/) : outcome);
        if (!abort) committed.push(...values);
      }
      const read = (await readAll(kafka.client, topic, committed.length)).map((m) => m.value?.toString().split('|')[0]);
      assert.deepEqual(read, committed);
    });

    it('a second producer with the same transactional id fences the first (RELSTREAM_KAFKA_FENCED)', async (t) => {
      const topic = uniqueTopic('fence');
      await kafka.topics(t, [{ topic, partitions: 1 }]);
      const transactionalId = `test-fence-${randomUUID()}`;
      const old = await kafka.client.producer({ transactionalId });
      t.after(() => old.disconnect().catch(() => undefined));
      await old.transaction((tx) => tx.send(topic, [{ key: 'k', value: Buffer.from('old') }]));
      const successor = await kafka.client.producer({ transactionalId });
      t.after(() => successor.disconnect());
      await assert.rejects(old.transaction((tx) => tx.send(topic, [{ key: 'k', value: Buffer.from('zombie') }])), (error: unknown) => {
        assert.ok(error instanceof RelstreamError);
        assert.equal(error.code, 'RELSTREAM_KAFKA_FENCED');
        assert.equal(error.retriable, false);
        return true;
      });
      await successor.transaction((tx) => tx.send(topic, [{ key: 'k', value: Buffer.from('new') }]));
      assert.deepEqual((await readAll(kafka.client, topic, 2)).map((m) => m.value?.toString()), ['old', 'new']);
    });

    for (const protocol of kind === 'platformatic' ? ['classic', 'consumer'] as const : ['classic'] as const) {
      it(`${protocol} protocol: a member stalled past its session ${FENCES_ZOMBIES[kind] ? 'cannot' : 'can still'} commit a transaction for the partition it lost`, async (t) => {
        // KIP-848 fences under member epochs; where the broker does not run it, the start must refuse it instead.
        if (protocol === 'consumer' && !(await consumerProtocolOffered(t, kind, kafka.admin))) return;
        const input = uniqueTopic('zombie-in');
        const output = uniqueTopic('zombie-out');
        await kafka.topics(t, [{ topic: input, partitions: 1 }, { topic: output, partitions: 1 }]);
        const groupId = `test-zombie-${randomUUID()}`;
        const plain = await kafka.client.producer();
        t.after(() => plain.disconnect());
        await plain.send(input, [{ key: 'k', value: Buffer.from('record') }]);

        // The zombie reads the record, then freezes (SIGSTOP) as in a long GC pause: the broker evicts it and
        // hands the partition to the successor. Thawed, it tries to commit its transaction for that record.
        const zombie = spawn(process.execPath, [joinPath(testDir, '..', '..', 'helpers', 'zombie-member.js'), kind, testBrokers().join(','), groupId, input, output, protocol], { stdio: ['pipe', 'pipe', 'inherit'] });
        t.after(() => { zombie.kill('SIGKILL'); });
        const zombieLines = createInterface({ input: zombie.stdout })[Symbol.asyncIterator]();
        assert.equal((await zombieLines.next()).value, 'read');
        zombie.kill('SIGSTOP');
        const successor = await join(kafka.client, groupId, input, { commit: false, groupProtocol: protocol });
        t.after(() => successor.consumer.disconnect());
        await eventually(() => assignedTo(successor).length === 1, 'the successor owns the partition', 60_000);
        zombie.kill('SIGCONT');
        zombie.stdin.write('commit\n');
        const outcome = JSON.parse(String((await zombieLines.next()).value)) as { committed: boolean; code?: string };

        // What src/kafka/client-kinds.ts declares (and the start-up warning relies on) is checked here both ways.
        if (FENCES_ZOMBIES[kind]) {
          assert.deepEqual({ committed: outcome.committed, code: outcome.code }, { committed: false, code: 'RELSTREAM_KAFKA_STALE_GENERATION' });
          assert.deepEqual(await kafka.admin.fetchCommittedOffsets(groupId, input), [{ partition: 0, offset: '-1' }]);
          assert.deepEqual((await kafka.admin.fetchTopicOffsets(output)).map((p) => p.high), ['2'], 'one aborted record and its abort marker, nothing visible');
        } else {
          // kafkajs's TxnOffsetCommit v1 carries no generation: the broker cannot tell the zombie apart.
          assert.equal(outcome.committed, true);
          // The commit marker reaches the offsets topic after EndTxn has answered: until it does the offset reads -1.
          let committed = await kafka.admin.fetchCommittedOffsets(groupId, input);
          const deadline = Date.now() + 15_000;
          while (committed[0]?.offset === '-1' && Date.now() < deadline) {
            await sleep(200);
            committed = await kafka.admin.fetchCommittedOffsets(groupId, input);
          }
          assert.deepEqual(committed, [{ partition: 0, offset: '1' }]);
        }
      });
    }

    it('maps an unreachable cluster to the retriable RELSTREAM_KAFKA_CONNECTION', async () => {
      const client = createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'unreachable', connectionTimeoutMs: 1000, retries: 0 }, silentLogger, kind);
      await assert.rejects(client.admin().then((admin) => admin.describeCluster()), (error: unknown) => {
        assert.ok(error instanceof RelstreamError);
        assert.equal(error.code, 'RELSTREAM_KAFKA_CONNECTION');
        assert.equal(error.retriable, true);
        assert.ok(error.cause !== undefined, 'the client error is kept as the cause');
        return true;
      });
    });

    it('maps a request the broker refuses to RELSTREAM_KAFKA_REQUEST with the cause kept', async () => {
      const admin = kafka.admin;
      // Deleting a topic that does not exist is refused by the broker, not by the network.
      await assert.rejects(admin.deleteTopics([uniqueTopic('missing')]), (error: unknown) => {
        assert.ok(error instanceof RelstreamError);
        assert.equal(error.code, 'RELSTREAM_KAFKA_REQUEST');
        assert.ok(error.cause !== undefined);
        return true;
      });
    });

    describe('SASL', { skip: process.env['RELSTREAM_TEST_SASL_BROKERS'] ? false : 'no SASL listener (RELSTREAM_TEST_SASL_BROKERS): run through `npm test`' }, () => {
      const brokers = process.env['RELSTREAM_TEST_SASL_BROKERS'] ?? '';
      const username = process.env['RELSTREAM_TEST_SASL_USER'] ?? '';
      const password = process.env['RELSTREAM_TEST_SASL_PASSWORD'] ?? '';
      // retries 0 only where a refusal is expected: an idempotent producer needs its client's retries.
      const saslClient = (mechanism: SaslMechanism, secret: string, retries?: number): KafkaClient =>
        createKafkaClient({ brokers: [brokers], clientId: 'sasl-test', connectionTimeoutMs: 3000, ...(retries === undefined ? {} : { retries }), sasl: { mechanism, username, password: secret } }, silentLogger, kind);

      for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'] as const) {
        it(`${mechanism}: the right password gets in and can produce`, async (t) => {
          const topic = uniqueTopic(`sasl-${mechanism}`);
          await kafka.topics(t, [{ topic, partitions: 1 }]);
          const client = saslClient(mechanism, password);
          const admin = await client.admin();
          try {
            assert.equal((await admin.describeCluster()).brokers.length, 1);
          } finally {
            await admin.disconnect();
          }
          const producer = await client.producer();
          try {
            await producer.send(topic, [{ key: 'k', value: Buffer.from(mechanism) }]);
          } finally {
            await producer.disconnect();
          }
        });
      }

      it('a wrong password is refused with a typed error that does not echo the password', async () => {
        const wrong = `wrong-${password}`;
        await assert.rejects(saslClient('scram-sha-512', wrong, 0).admin().then((admin) => admin.describeCluster()), (error: unknown) => {
          assert.ok(error instanceof RelstreamError);
          assert.match(error.code, /^RELSTREAM_KAFKA_/);
          assert.ok(!error.message.includes(wrong));
          return true;
        });
      });
    });

    describe('TLS', { skip: process.env['RELSTREAM_TEST_TLS_BROKERS'] ? false : 'no TLS listener (RELSTREAM_TEST_TLS_BROKERS): run through `npm test` with openssl installed' }, () => {
      const brokers = process.env['RELSTREAM_TEST_TLS_BROKERS'] ?? '';
      const caFile = process.env['RELSTREAM_TEST_TLS_CA_FILE'] ?? '';

      it('connects over TLS when the configuration names the CA', async () => {
        const config = loadConfig({ env: { RELSTREAM_KAFKA_BROKERS: brokers, RELSTREAM_KAFKA_TLS_CA_FILE: caFile } });
        const admin = await createKafkaClient(kafkaConnection(config), silentLogger, kind).admin();
        try {
          assert.equal((await admin.describeCluster()).brokers.length, 1);
        } finally {
          await admin.disconnect();
        }
      });

      it('refuses a broker whose certificate it cannot verify', async () => {
        const config = loadConfig({ env: { RELSTREAM_KAFKA_BROKERS: brokers, RELSTREAM_KAFKA_TLS: 'true', RELSTREAM_KAFKA_CONNECTION_TIMEOUT_MS: '2000' } });
        const client = createKafkaClient({ ...kafkaConnection(config), retries: 0 }, silentLogger, kind);
        await assert.rejects(client.admin().then((admin) => admin.describeCluster()), { code: 'RELSTREAM_KAFKA_CONNECTION' });
      });
    });
  });
}

it('both clients put a key on the same partition (murmur2 like the Java client)', async () => {
  const partitionsOf: number[][] = [];
  for (const kind of KAFKA_CLIENTS) {
    const client = createKafkaClient({ brokers: testBrokers(), clientId: 'partitioner' }, silentLogger, kind);
    const admin = await client.admin();
    const topic = uniqueTopic(`partitioner-${kind}`);
    await admin.createTopics([{ topic, partitions: 7 }]);
    const producer = await client.producer();
    try {
      const reports = await Promise.all(Array.from({ length: 12 }, (_, i) => producer.send(topic, [{ key: `trial-${i}`, value: Buffer.from('x') }])));
      partitionsOf.push(reports.map((r) => r[0]?.partition ?? -1));
    } finally {
      await producer.disconnect();
      await admin.deleteTopics([topic]);
      await admin.disconnect();
    }
  }
  assert.deepEqual(partitionsOf[0], partitionsOf[1]);
});
