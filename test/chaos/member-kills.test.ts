/**
 * Chaos: two `relstream run` members share a 6-partition topic while one of them is killed with SIGKILL at
 * random moments and restarted (same transactional id), in both delivery modes and both group protocols
 * (KIP-848 where the broker runs it, and classic). What must hold: every
 * expected relation present for a read_committed reader, no duplicates with exactly-once, and the group's
 * committed offsets at the end of the input (lag 0).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { waitFor } from '../helpers/cli.js';
import { CHAOS_TEST_TIMEOUT_MS, describeMembers, eventIds, eventsPerSample, memberEnv, readToEnd, seededRandom, startMember, stopMembers, untilLagZero, type Delivery } from '../helpers/chaos.js';
import { consumerProtocolOffered, testClientKind, useKafka } from '../helpers/kafka.js';
import { manyRecords, produceRecords, readTopic, testTopics } from '../helpers/processor.js';

const COPIES = 1700; // 20,400 records, as in the run that found the frozen commits
const KILLS = 3;

describe('chaos: members killed at random moments', () => {
  const kafka = useKafka();
  let perSample: Map<string, number>;
  before(async () => { perSample = await eventsPerSample(); });

  for (const protocol of ['consumer', 'classic'] as const) {
    for (const delivery of ['at-least-once', 'exactly-once'] as const satisfies readonly Delivery[]) {
      it(`${protocol} protocol, ${delivery}: ${KILLS} kill -9 and restarts of a member lose nothing${delivery === 'exactly-once' ? ' and duplicate nothing' : ''}; lag reaches 0`, { timeout: CHAOS_TEST_TIMEOUT_MS }, async (t) => {
        // Not skipped where the broker (Kafka 3.x) or the client lacks KIP-848: the start must refuse it then.
        if (protocol === 'consumer' && !(await consumerProtocolOffered(t, testClientKind(), kafka.admin))) return;
        const random = seededRandom(t);
        const topics = testTopics(`kills-${protocol}-${delivery}`);
        await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 6 }, { topic: topics.outputTopic, partitions: 3 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
        const records = manyRecords(COPIES);
        const expected = [...perSample.values()].reduce((a, b) => a + b, 0) * COPIES;
        const out = await readTopic(kafka.client, topics.outputTopic); // kafkajs reads read_committed by default
        t.after(() => out.close());
        await produceRecords(kafka.client, topics.inputTopic, records);

        // Small batches keep the stream going long enough for the kills to land mid-stream.
        const slow = { RELSTREAM_BATCH_MAX_PAIRS: '4', RELSTREAM_QUEUE_MAX_PAIRS: '64', RELSTREAM_GROUP_PROTOCOL: protocol };
        const steady = startMember(t, memberEnv(topics, delivery, 'steady', slow));
        let victim = startMember(t, memberEnv(topics, delivery, 'victim', slow));
        const killedAt: number[] = [];
        // Kill points at random shares of the output, spread over the first 70% of the stream.
        const points = Array.from({ length: KILLS }, (_, i) => Math.floor(expected * (0.05 + (i + random()) * (0.65 / KILLS))));
        for (const point of points) {
          // Each kill lands once the victim is back in the group and the stream has passed the next point.
          await waitFor(() => victim.logs.find((l) => l['msg'] === 'joined the consumer group'), 'the victim to join', 300_000);
          await out.until((m) => m.length >= point, `${point} events`);
          await sleep(random() * 500);
          killedAt.push(out.messages.length);
          victim.child.kill('SIGKILL');
          await victim.exited;
          victim = startMember(t, memberEnv(topics, delivery, 'victim', slow));
        }
        assert.ok((killedAt.at(-1) ?? expected) < expected, `the kills landed mid-stream (events seen at each kill: ${killedAt.join(', ')} of ${expected})`);

        let allMs: number;
        try {
          allMs = await out.until((m) => m.length >= expected && new Set(eventIds(m)).size >= expected, `all ${expected} relations`);
        } catch (error) {
          t.diagnostic(await describeMembers([steady, victim]));
          throw error;
        }
        const lagMs = await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
        // Nothing can write after this: a late duplicate is in the topic by now.
        const exits = await stopMembers([steady, victim]);
        await readToEnd(kafka.client, kafka.admin, out, topics.outputTopic);
        const ids = eventIds(out.messages);
        const duplicates = ids.length - new Set(ids).size;
        t.diagnostic(`${protocol}, ${delivery}: ${records.length} records, ${KILLS} kills at ${killedAt.join('/')} events, ${expected} relations, ${duplicates} duplicates; all relations ${(allMs / 1000).toFixed(1)} s after the last kill, lag 0 ${(lagMs / 1000).toFixed(1)} s later; exits on SIGTERM ${exits.join(', ')}`);
        assert.deepEqual(exits, [0, 0], 'both members drain and exit 0 on SIGTERM');
        assert.equal(new Set(ids).size, expected, 'every relation present');
        if (delivery === 'exactly-once') assert.equal(duplicates, 0, 'read_committed sees each relation once');
      });
    }
  }
});
