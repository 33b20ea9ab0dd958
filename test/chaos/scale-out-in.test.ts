/**
 * Chaos: the group scaled out and in under load, as an autoscaler does (issue 18). One `relstream run` member
 * with a backlog on 12 partitions; a second and a third join, then leave with SIGTERM, each change once the
 * output has moved on since the last. In both delivery modes and both group protocols (KIP-848's consumer
 * protocol where the broker runs it, and classic). What must hold: every relation present, none twice (graceful
 * changes commit what they finished before partitions move), every leave exits 0, lag 0 at the end. What is
 * reported: the longest gap in the output during the changes and the output rate after each change against
 * before (figures of the machine, not assertions).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import type { CliProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli.js';
import { CHAOS_TEST_TIMEOUT_MS, describeMembers, eventIds, eventsPerSample, memberEnv, readToEnd, startMember, stopMembers, untilLagZero, type Delivery } from '../helpers/chaos.js';
import { consumerProtocolOffered, testClientKind, useKafka } from '../helpers/kafka.js';
import { manyRecords, produceRecords, readTopic, testTopics } from '../helpers/processor.js';
import { describeScaleFigures, scaleFigures, type GroupChange } from '../../tools/scale-figures.js';

const COPIES = 3400; // 40,800 records on 12 partitions, as in the run that found the duplicates
const PARTITIONS = 12;
/** Each change waits until this share of the expected output more has been written since the last one. */
const STEP_SHARE = 0.1;
const WINDOW_MS = 5000;

describe('chaos: scaling the group out and in under load', () => {
  const kafka = useKafka();
  let perSample: Map<string, number>;
  before(async () => {
    perSample = await eventsPerSample();
  });

  for (const protocol of ['consumer', 'classic'] as const) {
    for (const delivery of ['at-least-once', 'exactly-once'] as const satisfies readonly Delivery[]) {
      it(`${protocol} protocol, ${delivery}: 1 → 3 → 1 members, joins and SIGTERM leaves, duplicate nothing and lose nothing`, { timeout: CHAOS_TEST_TIMEOUT_MS }, async (t) => {
        // Not skipped where the broker (Kafka 3.x) or the client lacks KIP-848: the start must refuse it then.
        if (protocol === 'consumer' && !(await consumerProtocolOffered(t, testClientKind(), kafka.admin))) return;
        const topics = testTopics(`scale-${protocol}-${delivery}`);
        await kafka.topics(t, [{ topic: topics.inputTopic, partitions: PARTITIONS }, { topic: topics.outputTopic, partitions: 3 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
        const records = manyRecords(COPIES);
        const expected = [...perSample.values()].reduce((a, b) => a + b, 0) * COPIES;
        const out = await readTopic(kafka.client, topics.outputTopic);
        t.after(() => out.close());
        await produceRecords(kafka.client, topics.inputTopic, records);

        const env = (name: string): Record<string, string> => memberEnv(topics, delivery, name, { RELSTREAM_GROUP_PROTOCOL: protocol, RELSTREAM_BATCH_MAX_PAIRS: '8' });
        const members: CliProcess[] = [];
        const changes: GroupChange[] = [];
        const exits: (number | null)[] = [];
        const step = Math.floor(expected * STEP_SHARE);
        let mark = 0;
        const onceMovedOn = async (): Promise<void> => {
          // From where the output is now: exactly-once output arrives a transaction at a time, past the last mark.
          // Never past the whole output: a run that got ahead of its changes would wait for events that never come.
          mark = Math.min(expected, Math.max(mark, out.messages.length) + step);
          await out.until((m) => m.length >= mark, `${mark} events`);
        };
        try {
          members.push(startMember(t, env('m0')));
          await onceMovedOn();
          for (const name of ['m1', 'm2']) {
            changes.push({ label: `${name} joins`, atMs: Date.now() });
            const member = startMember(t, env(name));
            members.push(member);
            await waitFor(() => member.logs.find((l) => l['msg'] === 'joined the consumer group' && (l['partitions'] as unknown[] | undefined)?.length !== 0), `${name} to own partitions`, 300_000);
            await onceMovedOn();
          }
          for (const member of [members[2], members[1]]) {
            if (member === undefined) continue;
            changes.push({ label: `m${members.indexOf(member)} leaves`, atMs: Date.now() });
            exits.push(...(await stopMembers([member])));
            await onceMovedOn();
          }
          assert.ok(out.messages.length < expected, `the changes happened under load (${out.messages.length} of ${expected} events when the last one was done)`);
          await out.until((m) => m.length >= expected && new Set(eventIds(m)).size >= expected, `all ${expected} relations`);
        } catch (error) {
          t.diagnostic(await describeMembers(members));
          throw error;
        }
        const lagMs = await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
        exits.push(...(await stopMembers(members.slice(0, 1))));
        await readToEnd(kafka.client, kafka.admin, out, topics.outputTopic);
        const ids = eventIds(out.messages);
        const duplicates = ids.length - new Set(ids).size;
        const revocations = members.flatMap((m) => m.logs.filter((l) => l['msg'] === 'partitions revoked: finished work committed first'));
        const abandoned = revocations.reduce((n, l) => n + Number(l['abandonedRecords'] ?? 0), 0);
        t.diagnostic(`${protocol}, ${delivery}: ${records.length} records, ${expected} relations, ${duplicates} duplicates; ${revocations.length} revocations (${abandoned} records abandoned); lag 0 ${(lagMs / 1000).toFixed(1)} s after all relations; exits ${exits.join(', ')}`);
        t.diagnostic(describeScaleFigures(scaleFigures(out.messages, changes, WINDOW_MS)));
        assert.deepEqual(exits, [0, 0, 0], 'every leave drains and exits 0');
        assert.equal(new Set(ids).size, expected, 'every relation present');
        assert.equal(duplicates, 0, 'graceful changes duplicate nothing');
      });
    }
  }
});
