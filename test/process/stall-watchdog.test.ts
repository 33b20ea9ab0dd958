/**
 * The progress watchdog on a real `relstream run` and a real broker. A stall is forced the way one was met in
 * the chaos suite: the group's committed offset moved back under a running member that had finished its
 * partition (a late commit of a member that cannot be fenced: kafkajs's TxnOffsetCommit v1 names no
 * generation). The member has lag, nothing in flight, and its stream sits at the end: nothing would ever move
 * again. The watchdog must count it, log it, read the partition again from the committed offset, and the lag
 * must reach 0; /healthz stays 200 since one heal cured it. (stallTimeoutMs 15 s: above kafkajs's 5 s fetch wait,
 * which a read from a new position may take.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { waitFor } from '../helpers/cli.js';
import { httpPort, memberEnv, startMember, stopMembers, untilLagZero } from '../helpers/chaos.js';
import { testClient, useKafka } from '../helpers/kafka.js';
import { manyRecords, produceRecords, testTopics } from '../helpers/processor.js';

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
}

describe('progress watchdog on a real member', () => {
  const kafka = useKafka();

  it('a committed offset moved back under an idle member: the stall is detected, counted, healed; lag reaches 0 again', { timeout: 600_000 }, async (t) => {
    const topics = testTopics('stall');
    await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 1 }, { topic: topics.outputTopic, partitions: 1 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
    await produceRecords(kafka.client, topics.inputTopic, manyRecords(10));
    const member = startMember(t, memberEnv(topics, 'at-least-once', 'stall', { RELSTREAM_STALL_TIMEOUT_MS: '15000' }));
    const port = await httpPort(member);
    await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
    assert.equal(await metric(port, 'relstream_partition_stalls_total'), 0, 'no stall while the stream moves');

    // A late commit from outside the member's generation: the committed offset goes back to 0.
    const zombie = testClient('stall-zombie', 'kafkajs');
    const producer = await zombie.producer({ transactionalId: `${topics.groupId}-late` });
    await producer.transaction((tx) => tx.sendOffsets(topics.groupId, [{ topic: topics.inputTopic, partition: 0, offset: '0' }]));
    await producer.disconnect();

    const stalled = await waitFor(() => member.logs.find((l) => String(l['msg']).startsWith('partition stalled')), 'the watchdog to report the stall', 300_000);
    t.diagnostic(`stall logged: ${JSON.stringify(stalled)}`);
    await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
    assert.ok(await metric(port, 'relstream_partition_stalls_total') >= 1, 'the stall is counted');
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'healed at the first try: healthy');
    assert.equal(stalled['partition'], `${topics.inputTopic}:0`);
    assert.deepEqual(await stopMembers([member]), [0]);
  });
});
