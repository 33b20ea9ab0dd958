/**
 * Chaos: the group scaled out and in under load, as an autoscaler does (issue 18). One `relstream run` member
 * with a backlog on 12 partitions; a second and a third join, then leave with SIGTERM, each change once the
 * output has moved on since the last. In both delivery modes and both group protocols (KIP-848's consumer
 * protocol where the broker runs it, and classic). What must hold: every relation present, none twice (graceful
 * changes commit what they finished before partitions move), every leave exits 0, lag 0 at the end. What is
 * reported: the longest gap in the output during the changes and the output rate after each change against
 * before (figures of the machine, not assertions).
 *
 * The load lasts as long as the changes, however fast the machine: records are added a round at a time while the
 * group changes, the input kept two rounds ahead of the output. A fixed backlog was all written out before the last
 * change on a machine faster than the one the test was sized on.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import type { CliProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli.js';
import { CHAOS_TEST_TIMEOUT_MS, describeMembers, eventIds, eventsPerSample, memberEnv, readToEnd, startMember, stopMembers, untilLagZero, type Delivery } from '../helpers/chaos.js';
import { consumerProtocolOffered, testClientKind, useKafka } from '../helpers/kafka.js';
import { manyRecords, produceRecords, readTopic, sampleRecords, testTopics } from '../helpers/processor.js';
import { describeScaleFigures, scaleFigures, type GroupChange } from '../../tools/scale-figures.js';

const COPIES = 3400; // 40,800 records on 12 partitions, as in the run that found the duplicates
/** Copies of the samples added at a time while the group changes: a step's worth of output. */
const ROUND_COPIES = 340;
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
        const perCopy = [...perSample.values()].reduce((a, b) => a + b, 0);
        const out = await readTopic(kafka.client, topics.outputTopic);
        t.after(() => out.close());
        await produceRecords(kafka.client, topics.inputTopic, manyRecords(COPIES));
        let copies = COPIES;
        /** The relations of every record written so far. */
        const written = (): number => perCopy * copies;
        const load = { feeding: true };
        // Read through a call after an await: TS keeps the narrowing from before it.
        const feeding = (): boolean => load.feeding;
        const feeder = (async () => {
          while (feeding()) {
            // The next round once less than two rounds' output is left to write.
            await out.until((m) => !feeding() || m.length > written() - 2 * ROUND_COPIES * perCopy, 'the output to come within two rounds of the input');
            if (!feeding()) return;
            await produceRecords(kafka.client, topics.inputTopic, manyRecords(ROUND_COPIES, copies));
            copies += ROUND_COPIES;
          }
        })();
        // Awaited below; a failure is not left unhandled meanwhile.
        feeder.catch(() => undefined);

        const env = (name: string): Record<string, string> => memberEnv(topics, delivery, name, { RELSTREAM_GROUP_PROTOCOL: protocol, RELSTREAM_BATCH_MAX_PAIRS: '8' });
        const members: CliProcess[] = [];
        const changes: GroupChange[] = [];
        const exits: (number | null)[] = [];
        const step = Math.floor(perCopy * COPIES * STEP_SHARE);
        let mark = 0;
        const onceMovedOn = async (): Promise<void> => {
          // From where the output is now: exactly-once output arrives a transaction at a time, past the last mark.
          mark = Math.max(mark, out.messages.length) + step;
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
          assert.ok(out.messages.length < written(), `the changes happened under load (${out.messages.length} of ${written()} events when the last one was done)`);
          load.feeding = false;
          await feeder;
          await out.until((m) => m.length >= written() && new Set(eventIds(m)).size >= written(), `all ${written()} relations`);
        } catch (error) {
          load.feeding = false;
          t.diagnostic(await describeMembers(members));
          throw error;
        }
        // Nothing is added once the feeder has stopped: every relation the records written can give.
        const expected = written();
        const lagMs = await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
        exits.push(...(await stopMembers(members.slice(0, 1))));
        await readToEnd(kafka.client, kafka.admin, out, topics.outputTopic);
        const ids = eventIds(out.messages);
        const duplicates = ids.length - new Set(ids).size;
        const revocations = members.flatMap((m) => m.logs.filter((l) => l['msg'] === 'partitions revoked: finished work committed first'));
        const abandoned = revocations.reduce((n, l) => n + Number(l['abandonedRecords'] ?? 0), 0);
        t.diagnostic(`${protocol}, ${delivery}: ${copies * sampleRecords().length} records, ${expected} relations, ${duplicates} duplicates; ${revocations.length} revocations (${abandoned} records abandoned); lag 0 ${(lagMs / 1000).toFixed(1)} s after all relations; exits ${exits.join(', ')}`);
        t.diagnostic(describeScaleFigures(scaleFigures(out.messages, changes, WINDOW_MS)));
        assert.deepEqual(exits, [0, 0, 0], 'every leave drains and exits 0');
        assert.equal(new Set(ids).size, expected, 'every relation present');
        assert.equal(duplicates, 0, 'graceful changes duplicate nothing');
      });
    }
  }
});
