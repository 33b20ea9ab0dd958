/**
 * Chaos, fenced exactly-once: two `relstream run` members in exactly-once mode share a 6-partition topic while
 * one of them is frozen (SIGSTOP) past its session, so the group hands its partitions to the other, and thawed
 * again: a zombie with staged output and a transaction to commit. Then it is killed (kill -9) and restarted.
 * Run with each Kafka client. What must hold: every expected relation reaches a read_committed reader, and with
 * a client that fences stale generations (platformatic) none twice. kafkajs cannot fence: its duplicates are
 * reported, and its members must say so at start.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { FENCES_ZOMBIES, KAFKA_CLIENTS } from '../../src/kafka/client-kinds.js';
import { waitFor } from '../helpers/cli.js';
import { CHAOS_TEST_TIMEOUT_MS, describeMembers, eventIds, eventsPerSample, memberEnv, readToEnd, seededRandom, startMember, stopMembers, untilLagZero } from '../helpers/chaos.js';
import { testClient, useKafka } from '../helpers/kafka.js';
import { relationEventCodec } from '../../src/records/avro.js';
import { manyRecords, produceRecords, readTopic, testTopics } from '../helpers/processor.js';

const COPIES = 8000; // 96,000 records: the stalls (12 s each with the thaw) and the kill land mid-stream
const STALLS = 2;
const STALL_MS = 9000; // past the members' 6 s session

describe('chaos: zombie members in exactly-once mode', () => {
  const kafka = useKafka();
  let perSample: Map<string, number>;
  before(async () => { perSample = await eventsPerSample(); });

  for (const kind of KAFKA_CLIENTS) {
    const fenced = FENCES_ZOMBIES[kind];
    it(`${kind}: ${STALLS} stalls past the session and a kill -9 lose nothing${fenced ? ' and duplicate nothing' : ' (duplicates reported: not fenced)'}`, { timeout: CHAOS_TEST_TIMEOUT_MS }, async (t) => {
      const random = seededRandom(t);
      const topics = testTopics(`zombie-${kind}`);
      await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 6 }, { topic: topics.outputTopic, partitions: 3 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
      const records = manyRecords(COPIES);
      const expected = [...perSample.values()].reduce((a, b) => a + b, 0) * COPIES;
      const out = await readTopic(kafka.client, topics.outputTopic); // read_committed
      t.after(() => out.close());
      await produceRecords(kafka.client, topics.inputTopic, records);

      const env = (id: string): Record<string, string> => memberEnv(topics, 'exactly-once', id, { RELSTREAM_KAFKA_CLIENT: kind, RELSTREAM_BATCH_MAX_PAIRS: '4', RELSTREAM_QUEUE_MAX_PAIRS: '64' });
      const steady = startMember(t, env('steady'));
      let victim = startMember(t, env('victim'));
      const restartIfGone = async (): Promise<void> => {
        // Gone means exited, or about to: the exit event of a SIGKILL comes after kill() returns.
        const gone = await Promise.race([victim.exited.then(() => true), sleep(1000).then(() => false)]);
        if (!gone) return;
        victim = startMember(t, env('victim'));
      };
      // Stalls at random points of the first 33% of the stream; the kill follows the last thaw at once, while the
      // group is still settling from it.
      const points = Array.from({ length: STALLS }, (_, i) => Math.floor(expected * (0.03 + (i + random()) * (0.3 / STALLS))));
      const events: string[] = [];
      const timings: string[] = [];
      try {
        for (const point of points) {
          await waitFor(() => victim.logs.find((l) => l['msg'] === 'joined the consumer group'), 'the victim to join', 300_000);
          await out.until((m) => m.length >= point, `${point} events`);
          await sleep(random() * 500);
          events.push(`stall at ${out.messages.length}`);
          victim.child.kill('SIGSTOP');
          await sleep(STALL_MS);
          victim.child.kill('SIGCONT');
          await sleep(1000 + random() * 2000);
          await restartIfGone();
        }
        events.push(`kill at ${out.messages.length}`);
        victim.child.kill('SIGKILL');
        await restartIfGone();
      } catch (error) {
        t.diagnostic(`${events.join(', ')}; ${out.messages.length} events so far`);
        t.diagnostic(await describeMembers([steady, victim]));
        throw error;
      }

      try {
        const allMs = await out.until((m) => new Set(eventIds(m)).size >= expected, `all ${expected} relations`);
        const lagMs = await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
        timings.push(`all relations after ${(allMs / 1000).toFixed(1)} s, lag 0 ${(lagMs / 1000).toFixed(1)} s later`);
      } catch (error) {
        const high = await kafka.admin.fetchTopicOffsets(topics.inputTopic);
        const committed = new Map((await kafka.admin.fetchCommittedOffsets(topics.groupId, topics.inputTopic)).map((c) => [c.partition, c.offset]));
        t.diagnostic(`input partitions (committed/high): ${high.map((p) => `${p.partition}: ${committed.get(p.partition)}/${p.high}`).join(', ')}; ${events.join(', ')}`);
        // Which input records have no relation event: their partitions and offset ranges.
        const codec = relationEventCodec();
        const withEvents = new Set(out.messages.map((m) => codec.decode(m.value ?? Buffer.alloc(0)).recordId));
        const input = await readTopic(kafka.client, topics.inputTopic);
        await input.until((m) => m.length >= records.length, 'the input', 60_000).catch(() => undefined);
        await input.close();
        const missing = new Map<number, bigint[]>();
        for (const m of input.messages) {
          const id = m.key?.toString() ?? '';
          if ((perSample.get(id.split('/')[0] ?? '') ?? 0) > 0 && !withEvents.has(id)) missing.set(m.partition, [...(missing.get(m.partition) ?? []), BigInt(m.offset)]);
        }
        t.diagnostic(`records without events: ${[...missing].map(([p, o]) => `p${p}: ${o.length} in [${o.reduce((a, b) => (a < b ? a : b))}, ${o.reduce((a, b) => (a > b ? a : b))}]`).join('; ')}`);
        // Lost by relstream, or dropped by this reader's read_committed filter? A reader on the other client
        // library answers: it sees their events only if they were committed.
        const missingIds = new Set(input.messages.filter((m) => missing.get(m.partition)?.includes(BigInt(m.offset))).map((m) => m.key?.toString() ?? ''));
        const otherKind = KAFKA_CLIENTS.find((k) => k !== kind) ?? kind;
        const otherClient = testClient('zombie-diagnosis', otherKind);
        const other = await readTopic(otherClient, topics.outputTopic);
        await other.until((m) => m.length >= out.messages.length, 'the output, again', 60_000).catch(() => undefined);
        await other.close();
        const seenByOther = new Set(other.messages.map((m) => codec.decode(m.value ?? Buffer.alloc(0)).recordId).filter((id) => missingIds.has(id)));
        t.diagnostic(`a read_committed ${otherKind} reader: ${other.messages.length} events, of them for ${seenByOther.size} of the ${missingIds.size} records without events`);
        // Missed by the live reader only (its consumer's history), or by any reader of this client (what it reads)?
        const fresh = await readTopic(kafka.client, topics.outputTopic);
        await fresh.until((m) => m.length >= other.messages.length, 'the output, a third time', 60_000).catch(() => undefined);
        await fresh.close();
        const seenByFresh = new Set(fresh.messages.map((m) => codec.decode(m.value ?? Buffer.alloc(0)).recordId).filter((id) => missingIds.has(id)));
        t.diagnostic(`a new ${kind} reader: ${fresh.messages.length} events, of them for ${seenByFresh.size} of the ${missingIds.size} records without events`);
        t.diagnostic(await describeMembers([steady, victim]));
        throw error;
      }
      // Nothing can write after this: a late duplicate (a zombie's last transaction) is in the topic by now.
      const exits = await stopMembers([steady, victim]);
      await readToEnd(kafka.client, kafka.admin, out, topics.outputTopic);
      const ids = eventIds(out.messages);
      const duplicates = ids.length - new Set(ids).size;
      t.diagnostic(`${kind}: ${records.length} records, ${events.join(', ')} of ${expected} relations: ${duplicates} duplicates; ${timings.join(', ')}; exits on SIGTERM ${exits.join(', ')}`);
      assert.deepEqual(exits, [0, 0], 'both members drain and exit 0 on SIGTERM, the thawed zombie too');
      assert.ok(events.every((e) => Number(e.split(' at ')[1]) < expected), `the stalls and the kill landed mid-stream (${events.join(', ')} of ${expected})`);
      assert.equal(new Set(ids).size, expected, 'every relation present');
      if (fenced) {
        assert.equal(duplicates, 0, 'read_committed sees each relation once');
      } else {
        assert.ok(steady.logs.some((l) => String(l['msg']).startsWith('exactly-once is not fenced across rebalances')), 'kafkajs members warn at start');
      }
    });
  }
});
