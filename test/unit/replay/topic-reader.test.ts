/**
 * Reading a topic to its end for a replay, over relstream's in-memory Kafka: every partition read to the end it had
 * when the read began (and nothing written later), an end that no consumer can reach (a topic ending in
 * transaction markers) ended by quiet instead, an empty topic at once, and a failing handler ends the read with its
 * error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KafkaAdmin } from '../../../src/kafka/types.js';
import { readTopicToEnd } from '../../../src/replay/topic-reader.js';
import { InMemoryKafka } from '../../helpers/in-memory-kafka.js';

const TOPIC = 'dlq';

function kafkaWith(counts: readonly number[]): InMemoryKafka {
  const kafka = new InMemoryKafka();
  kafka.createTopic(TOPIC, counts.length);
  counts.forEach((n, partition) => {
    kafka.append(TOPIC, Array.from({ length: n }, (_, i) => ({ key: `k${partition}-${i}`, value: Buffer.from('v'), partition })));
  });
  return kafka;
}

describe('replay: reading a topic to its end', () => {
  it('every partition to the end it had when the read began; later writes are not read', async () => {
    const kafka = kafkaWith([7, 0, 12]);
    const read: string[] = [];
    const reading = await readTopicToEnd(kafka, TOPIC, {
      // Long: this read must end by reaching every partition's end, not by quiet.
      idleMs: 600_000,
      onMessage: (m) => {
        read.push(`${m.partition}:${m.offset}`);
        if (read.length === 3) kafka.append(TOPIC, [{ key: 'late', value: Buffer.from('v'), partition: 0 }]);
      },
    });
    assert.equal(reading.total, 19n);
    const { read: count, endedBy } = await reading.done;
    assert.equal(endedBy, 'end');
    assert.equal(count, 19);
    assert.deepEqual(new Set(read), new Set([...Array.from({ length: 7 }, (_, i) => `0:${i}`), ...Array.from({ length: 12 }, (_, i) => `2:${i}`)]));
  });

  it('an end no consumer reaches (the last offsets are transaction markers) is ended by quiet, with everything read', async () => {
    const kafka = kafkaWith([5, 3]);
    // The admin reports one offset more per partition than there are records: the commit marker's.
    const admin = await kafka.admin();
    const withMarkers: KafkaAdmin = { ...admin, fetchTopicOffsets: async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ ...p, high: String(Number(p.high) + 1) })) };
    kafka.admin = () => Promise.resolve(withMarkers);
    let count = 0;
    const reading = await readTopicToEnd(kafka, TOPIC, { idleMs: 2000, onMessage: () => { count++; } });
    const done = await reading.done;
    assert.deepEqual(done, { read: 8, endedBy: 'idle' });
    assert.equal(count, 8);
  });

  it('an empty topic ends at once, without a consumer', async () => {
    const kafka = kafkaWith([0, 0, 0]);
    const reading = await readTopicToEnd(kafka, TOPIC, { idleMs: 600_000, onMessage: () => { throw new Error('nothing to read'); } });
    assert.deepEqual(await reading.done, { read: 0, endedBy: 'end' });
    assert.equal(kafka.consumers.length, 0);
  });

  it('a handler that fails ends the read with its error, and the consumer leaves', async () => {
    const kafka = kafkaWith([10]);
    const reading = await readTopicToEnd(kafka, TOPIC, { idleMs: 600_000, onMessage: (m) => { if (m.offset === '4') throw new Error('send failed for good'); } });
    await assert.rejects(reading.done, /send failed for good/);
    assert.equal(kafka.consumers[0]?.active, false);
  });
});
