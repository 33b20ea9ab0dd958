/**
 * The platformatic adapter across a group join, on a scripted stand-in for the library's consumer (its stream,
 * its join events, the admin's stable offsets), so the interleaving that lost records can be forced: messages
 * read from the old stream just before a join, for a partition that is paused, must never reach the processor
 * after the join. The new stream reads them again from the committed offsets; delivered from the old one, they
 * came ahead of those offsets, and the records between were skipped as redeliveries and committed past.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { wrapConsumer } from '../../../src/kafka/platformatic/consumer.js';
import type { IncomingMessage } from '../../../src/kafka/types.js';
import { silentLogger } from '../../../src/observability/logger.js';

const TOPIC = 't';
/** The library's types, named through the adapter: only the adapter imports the library. */
type LibraryConsumer = Parameters<typeof wrapConsumer>[0];
type LibraryAdmin = ReturnType<Parameters<typeof wrapConsumer>[1]>;

interface FakeMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headerEntries: [Buffer, Buffer][];
  readonly timestamp: bigint;
  readonly leaderEpoch: number;
}

const message = (partition: number, offset: number, stream: string): FakeMessage => ({
  topic: TOPIC, partition, offset: BigInt(offset), key: Buffer.from('k'), value: Buffer.from('v'),
  headerEntries: [[Buffer.from('stream'), Buffer.from(stream)]], timestamp: 0n, leaderEpoch: 0,
});

/** The library's MessagesStream, as far as the adapter reads it; `onRead` runs as a message is handed out. */
class FakeStream extends EventEmitter {
  destroyed = false;
  errored: Error | null = null;
  readonly buffered: FakeMessage[] = [];
  onRead: ((m: FakeMessage) => void) | undefined;

  constructor(readonly name: string) {
    super();
  }

  push(...messages: FakeMessage[]): void {
    this.buffered.push(...messages);
    this.emit('readable');
  }

  read(): FakeMessage | null {
    const next = this.buffered.shift() ?? null;
    if (next) this.onRead?.(next);
    return next;
  }

  resume(): void { /* fetching is scripted */ }

  destroy(): void {
    this.destroyed = true;
  }
}

/** The library's Consumer: the adapter opens one stream per consume(); join events are emitted by the test. */
class FakeConsumer extends EventEmitter {
  readonly groupId = 'g';
  memberId = 'm';
  generationId = 1;
  coordinatorId = 1;
  assignments = [{ topic: TOPIC, partitions: [0, 1] }];
  readonly streams: FakeStream[] = [];

  isActive(): boolean {
    return true;
  }

  consume(): Promise<FakeStream> {
    const stream = this.streams.shift();
    if (!stream) throw new Error('no stream scripted for this consume()');
    return Promise.resolve(stream);
  }

  listOffsets(): Promise<Map<string, bigint[]>> {
    return Promise.resolve(new Map([[TOPIC, [100n, 100n]]]));
  }

  join(generationId: number): void {
    this.generationId = generationId;
    this.emit('consumer:group:join', { memberId: this.memberId, generationId, assignments: this.assignments });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Stable committed offsets, answered when the test says so (a predecessor's transaction still open). */
class FakeAdmin {
  committed = new Map<number, bigint>([[0, 0n], [1, 0n]]);
  hold: Promise<void> = Promise.resolve();

  async listConsumerGroupOffsets(): Promise<unknown[]> {
    await this.hold;
    return [{ groupId: 'g', topics: [{ name: TOPIC, partitions: [...this.committed].map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset })) }] }];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('platformatic adapter: a join while messages of a paused partition are on their way', () => {
  it('delivers nothing read from the old stream after the join; the new stream delivers from the committed offsets', async () => {
    const consumer = new FakeConsumer();
    const admin = new FakeAdmin();
    const first = new FakeStream('first');
    const old = new FakeStream('old');
    const fresh = new FakeStream('new');
    consumer.streams.push(first, old, fresh);
    const kafka = wrapConsumer(consumer as unknown as LibraryConsumer, () => admin as unknown as LibraryAdmin, () => () => undefined, silentLogger);
    const delivered: { generation: number; message: IncomingMessage }[] = [];
    let generation = 0;
    await kafka.run({
      topics: [TOPIC], fromBeginning: true,
      onGroupJoin: () => { generation++; },
      eachBatch: (batch) => {
        for (const m of batch.messages) delivered.push({ generation, message: m });
        return Promise.resolve();
      },
    });
    try {
      consumer.join(1);
      await until(() => generation === 1, 'the first join');
      old.push(...[0, 1, 2, 3, 4].map((o) => message(0, o, 'old')), message(1, 0, 'old'));
      await until(() => delivered.length === 6, 'the first messages');

      // Partition 0 pauses (the processor's queue is full); partition 1 keeps the stream read.
      kafka.pause([{ topic: TOPIC, partitions: [0] }]);
      let release: () => void = () => undefined;
      admin.hold = new Promise<void>((resolve) => { release = resolve; });
      admin.committed.set(0, 5n);
      // The join comes while the old stream's next read is handed out: those messages were read before it.
      const stale = [5, 6, 7, 8, 9].map((o) => message(0, o, 'old'));
      old.onRead = (m) => { if (m === stale.at(-1)) consumer.join(2); };
      fresh.buffered.push(...[5, 6, 7, 8, 9].map((o) => message(0, o, 'new')));
      old.push(...stale);
      await until(() => generation === 2, 'the second join');
      release();
      await sleep(50);
      kafka.resume([{ topic: TOPIC, partitions: [0] }]);
      await until(() => delivered.filter((d) => d.generation === 2).length >= 5, 'the new stream\'s messages');
      await sleep(100);

      const afterJoin = delivered.filter((d) => d.generation === 2);
      const fromOld = afterJoin.filter((d) => d.message.headers['stream']?.toString() === 'old');
      assert.deepEqual(fromOld.map((d) => `${d.message.partition}:${d.message.offset}`), [], 'messages read before the join were delivered after it');
      assert.deepEqual(afterJoin.map((d) => Number(d.message.offset)), [5, 6, 7, 8, 9]);
    } finally {
      await kafka.disconnect();
    }
  });
});
