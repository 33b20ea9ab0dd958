/**
 * `relstream replay` end to end on the real broker, as an operator meets it: records dead-lettered for a limit
 * (maxTextLength) that is raised afterwards are sent through again and become relation events, once. Exactly-once,
 * so the dead letters are written in transactions and read read_committed (the topic ends in markers).
 * A dry run sends nothing; the same replay twice sends nothing twice.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { relationEventCodec, trialRecordCodec } from '../../src/records/avro.js';
import { REPLAY_OF_HEADER } from '../../src/replay/dead-letter-selection.js';
import { eventsPerSample, memberEnv, readToEnd, startMember, stopMembers, untilLagZero, withoutEndMarkers } from '../helpers/chaos.js';
import { cliPath } from '../helpers/cli.js';
import { useKafka } from '../helpers/kafka.js';
import { manyRecords, produceRecords, readTopic, testTopics } from '../helpers/processor.js';

const SHORT_LIMIT = 100;

function replay(args: readonly string[], env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, 'replay', ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The table's row for `reason`: matched, sent (or would send), already replayed, truncated. */
function row(stdout: string, reason: string): number[] | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${reason} `));
  return line?.trim().split(/\s+/).slice(1).map(Number);
}

describe('relstream replay', () => {
  const kafka = useKafka();

  it('dead letters of a limit since raised become relation events once; a dry run and a second replay send nothing', { timeout: 900_000 }, async (t) => {
    const topics = testTopics('replay');
    await kafka.admin.createTopics([{ topic: topics.inputTopic, partitions: 2 }, { topic: topics.outputTopic, partitions: 2 }, { topic: topics.deadLetterTopic, partitions: 2 }]);
    t.after(() => kafka.admin.deleteTopics([topics.inputTopic, topics.outputTopic, topics.deadLetterTopic]).catch(() => undefined));
    const records = manyRecords(5);
    const tooLong = new Set(records.filter((r) => Array.from(r.text).length > SHORT_LIMIT).map((r) => r.id));
    assert.ok(tooLong.size > 0 && tooLong.size < records.length, 'some records, not all, are over the short limit');
    // A producer's own header: the dead letter keeps it and the replay gives it back.
    const tenant = { 'x-tenant': Buffer.from('hospital-7') };
    await produceRecords(kafka.client, topics.inputTopic, records, tenant);

    // First run: the short limit dead-letters the long records (in transactions).
    const first = startMember(t, memberEnv(topics, 'exactly-once', 'first', { RELSTREAM_MAX_TEXT_LENGTH: String(SHORT_LIMIT) }));
    await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
    assert.deepEqual(await stopMembers([first]), [0]);
    const inputEnd = async (): Promise<bigint> => (await kafka.admin.fetchTopicOffsets(topics.inputTopic)).reduce((n, p) => n + BigInt(p.high), 0n);
    const before = await inputEnd();

    const env = memberEnv(topics, 'exactly-once', 'replay');
    const dry = replay(['--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(row(dry.stdout, 'text_too_long'), [tooLong.size, tooLong.size, 0, 0], dry.stdout);
    assert.equal(await inputEnd(), before, 'a dry run sends nothing');

    const nowhere = replay(['--to', `${topics.inputTopic}.missing`], env);
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /RELSTREAM_TOPIC_MISSING: .*\.missing/);

    const none = replay(['--reason', 'malformed_avro'], env);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(row(none.stdout, 'text_too_long'), undefined, 'another reason selects none of them');
    assert.equal(await inputEnd(), before);

    const sent = replay(['--reason', 'text_too_long'], env);
    assert.equal(sent.code, 0, sent.stderr);
    assert.deepEqual(row(sent.stdout, 'text_too_long'), [tooLong.size, tooLong.size, 0, 0], sent.stdout);
    assert.equal(await inputEnd(), before + BigInt(tooLong.size));

    const again = replay([], env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(row(again.stdout, 'text_too_long'), [tooLong.size, 0, tooLong.size, 0], again.stdout);
    assert.equal(await inputEnd(), before + BigInt(tooLong.size), 'the same replay twice sends nothing twice');

    // The replayed records are the originals, bytes and all, each naming its dead letter.
    const input = await readTopic(kafka.client, topics.inputTopic);
    t.after(() => input.close());
    await input.until((m) => m.length >= records.length + tooLong.size, 'the input with the replayed records');
    const replayed = input.messages.filter((m) => m.headers[REPLAY_OF_HEADER] !== undefined);
    const codec = trialRecordCodec();
    assert.deepEqual(new Set(replayed.map((m) => codec.decode(m.value ?? Buffer.alloc(0)).id)), tooLong);
    for (const m of replayed) {
      assert.match(m.headers[REPLAY_OF_HEADER]?.toString() ?? '', new RegExp(`^${topics.deadLetterTopic}/\\d+/\\d+$`));
      assert.equal(m.headers['x-tenant']?.toString(), 'hospital-7', 'the record\'s own header, kept by its dead letter');
    }

    // Second run with the default limit: the replayed records become events, once.
    const second = startMember(t, memberEnv(topics, 'exactly-once', 'second'));
    await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
    assert.deepEqual(await stopMembers([second]), [0]);
    const out = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => out.close());
    await readToEnd(kafka.client, kafka.admin, out, topics.outputTopic);
    const events = withoutEndMarkers(out.messages).map((m) => relationEventCodec().decode(m.value ?? Buffer.alloc(0)));
    const perSample = await eventsPerSample();
    const expected = records.reduce((n, r) => n + (perSample.get(r.id.split('/')[0] ?? '') ?? 0), 0);
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event twice');
    assert.equal(events.length, expected, 'every record\'s events: the first run\'s and the replayed ones\'');
    for (const id of tooLong) {
      const sample = id.split('/')[0] ?? '';
      assert.equal(events.filter((e) => e.recordId === id).length, perSample.get(sample) ?? 0, `${id}: its events, once`);
    }
  });
});
