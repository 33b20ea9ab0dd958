/**
 * relstream's patch to @platformatic/kafka's record batches (patches/): a batch's records are written into one
 * buffer instead of a Writer, a DynamicBuffer and a Buffer per field of each record. What goes on the wire must
 * not change, so the patched createRecordsBatch is held byte-equal to the upstream algorithm (2.12.1's
 * protocol/records.js, written out below with the library's own Writer), and its batches read back whole.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { crc32c, createRecordsBatch, readRecordsBatch, Reader, Writer, type CreateRecordsBatchOptions, type MessageRecord } from '@platformatic/kafka';
import fc from 'fast-check';

type Options = Partial<CreateRecordsBatchOptions>;

/** Upstream's createRecord, prepareRecordsBatch and finalizeRecordsBatch (no compression), as 2.12.1 has them. */
function upstreamRecordsBatch(messages: readonly MessageRecord[], options: Options): Buffer {
  const first = messages[0]?.timestamp ?? 0n;
  let max = first;
  const records = Writer.create();
  messages.forEach((message, i) => {
    const timestamp = message.timestamp ?? first;
    if (timestamp > max) max = timestamp;
    const record = Writer.create()
      .appendInt8(0)
      .appendVarInt64(timestamp - first)
      .appendVarInt(i)
      .appendVarIntBytes(message.key)
      .appendVarIntBytes(message.value)
      .appendVarIntMap(message.headers, (w, [key, value]) => { w.appendVarIntBytes(key).appendVarIntBytes(value); })
      .prependVarIntLength();
    records.appendFrom(record);
  });
  const firstMessage = messages[0];
  const firstSequence = options.sequences && firstMessage ? options.sequences.getWithDefault(`${firstMessage.topic}:${String(firstMessage.partition)}`, 0) : 0;
  const writer = Writer.create()
    .appendInt16(options.transactionalId ? 1 << 4 : 0)
    .appendInt32(messages.length - 1)
    .appendInt64(first)
    .appendInt64(max)
    .appendInt64(options.producerId ?? -1n)
    .appendInt16(options.producerEpoch ?? 0)
    .appendInt32(firstSequence)
    .appendInt32(messages.length)
    .appendFrom(records);
  return writer
    .appendUnsignedInt32(crc32c(writer.dynamicBuffer), false)
    .appendInt8(2, false)
    .appendInt32(options.partitionLeaderEpoch ?? 0, false)
    .prependLength()
    .appendInt64(0n, false)
    .buffer;
}

const bytes = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  // Lengths past one and two varint bytes.
  { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 20_000 }).map((n) => Buffer.alloc(n, n & 0xff)) },
);
const header = fc.tuple(fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)));
const message = fc.record({
  key: bytes,
  value: bytes,
  headers: fc.option(fc.array(header, { maxLength: 3 }).map((entries) => new Map(entries)), { nil: undefined }),
  // Offsets from the first message's time; undefined: the library stamps it with now.
  delta: fc.option(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), { nil: undefined }),
});
const options = fc.record({
  producerId: fc.option(fc.bigInt({ min: -1n, max: 2n ** 62n }), { nil: undefined }),
  producerEpoch: fc.option(fc.integer({ min: 0, max: 32_767 }), { nil: undefined }),
  transactionalId: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
  partitionLeaderEpoch: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: undefined }),
  firstSequence: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: undefined }),
});

type Drawn = { key: Buffer | undefined; value: Buffer | undefined; headers: Map<Buffer, Buffer> | undefined; delta: number | undefined };

function messagesOf(drawn: readonly Drawn[], base: bigint): MessageRecord[] {
  return drawn.map((m, i) => {
    const out: MessageRecord = { topic: 'relations', partition: 3, value: m.value as Buffer };
    if (m.key !== undefined) out.key = m.key;
    if (m.headers !== undefined) out.headers = m.headers;
    // The first message's own time is the batch's base, as the library takes it.
    if (m.delta !== undefined) out.timestamp = base + BigInt(i === 0 ? 0 : m.delta);
    return out;
  });
}

function optionsOf(drawn: { producerId: bigint | undefined; producerEpoch: number | undefined; transactionalId: string | undefined; partitionLeaderEpoch: number | undefined; firstSequence: number | undefined }): Options {
  const out: Options = {};
  if (drawn.producerId !== undefined) out.producerId = drawn.producerId;
  if (drawn.producerEpoch !== undefined) out.producerEpoch = drawn.producerEpoch;
  if (drawn.transactionalId !== undefined) out.transactionalId = drawn.transactionalId;
  if (drawn.partitionLeaderEpoch !== undefined) out.partitionLeaderEpoch = drawn.partitionLeaderEpoch;
  if (drawn.firstSequence !== undefined) {
    const sequence = drawn.firstSequence;
    out.sequences = { getWithDefault: () => sequence } as unknown as CreateRecordsBatchOptions['sequences'];
  }
  return out;
}

describe('record batches (relstream patch to @platformatic/kafka)', () => {
  const base = 1_780_000_000_000n;

  it('writes the bytes the upstream writer writes, whatever the keys, values, headers, times and options', () => {
    fc.assert(fc.property(fc.array(message, { minLength: 1, maxLength: 30 }), options, (drawn, drawnOptions) => {
      const patched = messagesOf(drawn, base);
      const produced = createRecordsBatch(patched, optionsOf(drawnOptions)).buffer;
      // The library stamps messages without a time with now: the reference reads the times it wrote back.
      const reference = messagesOf(drawn, base).map((m, i) => ({ ...m, timestamp: patched[i]?.timestamp ?? 0n }));
      assert.deepEqual(produced, upstreamRecordsBatch(reference, optionsOf(drawnOptions)));
    }), { numRuns: 400 });
  });

  it('reads back: every key, value and header, and a CRC that covers what follows it', () => {
    fc.assert(fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), (drawn) => {
      const messages = messagesOf(drawn, base);
      const buffer = createRecordsBatch(messages, {}).buffer;
      const batch = readRecordsBatch(Reader.from(buffer));
      // firstOffset (8), length (4), leader epoch (4), magic (1), then the CRC (4) over the rest.
      assert.equal(batch.crc, crc32c(buffer.subarray(21)));
      assert.equal(batch.length, buffer.length - 12);
      assert.equal(batch.records.length, messages.length);
      batch.records.forEach((record, i) => {
        const sent = messages[i];
        assert.equal(record.offsetDelta, i);
        assert.deepEqual(record.key ?? undefined, sent?.key === undefined ? undefined : sent.key);
        assert.deepEqual(record.value ?? undefined, sent?.value);
        assert.deepEqual(record.headers, [...(sent?.headers ?? new Map<Buffer, Buffer>())]);
      });
    }), { numRuns: 200 });
  });

  it('leaves compressed batches to the upstream path, which reads back the same', () => {
    const messages = messagesOf([{ key: Buffer.from('k'), value: Buffer.from('v'.repeat(500)), headers: undefined, delta: 0 }, { key: undefined, value: Buffer.from('w'), headers: undefined, delta: 5 }], base);
    const batch = readRecordsBatch(Reader.from(createRecordsBatch(messages, { compression: 'gzip' }).buffer));
    assert.equal(batch.attributes & 0b111, 1);
    assert.deepEqual(batch.records.map((r) => r.value?.toString()), ['v'.repeat(500), 'w']);
  });
});
