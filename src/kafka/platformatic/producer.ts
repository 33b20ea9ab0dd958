import type { Message, MessageToProduce, Producer } from '@platformatic/kafka';

import { RelstreamError } from '../../errors.js';
import type { KafkaProducer, OutgoingMessage, TopicPartitionOffset } from '../types.js';
import { guarded } from './errors.js';
import type { GroupRegistry, Membership } from './group-registry.js';

type PltHeaders = NonNullable<MessageToProduce['headers']>;
/** A message to produce with every optional field present, undefined where it is not set (the library reads both alike). */
type LibraryMessage = { [K in 'topic' | 'key' | 'value' | 'headers' | 'partition']-?: MessageToProduce[K] | undefined };

/**
 * The library's messages. A record's events share their key and headers objects: each is converted once per
 * call, not once per event (the events of a batch are most of what the main thread sends).
 */
function toPltMessages(topic: string, messages: readonly OutgoingMessage[]): MessageToProduce[] {
  const out: MessageToProduce[] = [];
  let lastKey: { from: OutgoingMessage['key']; to: Buffer | undefined } | undefined;
  let lastHeaders: { from: OutgoingMessage['headers']; to: PltHeaders | undefined } | undefined;
  for (const m of messages) {
    if (lastKey?.from !== m.key) lastKey = { from: m.key, to: m.key === null ? undefined : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key) };
    if (lastHeaders === undefined || lastHeaders.from !== m.headers) {
      // No headers, not an empty Map: the library serializes a message's headers into a Map of its own.
      const entries = m.headers === undefined ? [] : Object.entries(m.headers);
      lastHeaders = { from: m.headers, to: entries.length === 0 ? undefined : new Map(entries.map(([name, value]) => [Buffer.from(name), value])) };
    }
    // Every field the library reads, in one literal: added one by one they went to a property array of their
    // own, grown twice, and the library sets `partition` on the message it is given (patches/).
    const message: LibraryMessage = { topic, key: lastKey.to, value: m.value ?? undefined, headers: lastHeaders.to, partition: m.partition };
    out.push(message as MessageToProduce);
  }
  return out;
}

export function wrapProducer(producer: Producer, groups: GroupRegistry): KafkaProducer {
  return {
    send: (topic, messages) => guarded('produce', async () => {
      const result = await producer.send({ messages: toPltMessages(topic, messages) });
      // One report per partition, with the first offset written there, as kafkajs reports.
      const first = new Map<number, bigint>();
      for (const o of result.offsets ?? []) if (!first.has(o.partition) || o.offset < (first.get(o.partition) ?? 0n)) first.set(o.partition, o.offset);
      return [...first].map(([partition, offset]) => ({ topic, partition, baseOffset: String(offset) }));
    }),
    // The work's own errors come back unchanged; only the client's are mapped.
    transaction: async (work) => {
      const transaction = await guarded('transaction', () => producer.beginTransaction());
      try {
        await work({
          send: (topic, messages) => guarded('produce', async () => { await transaction.send({ messages: toPltMessages(topic, messages) }); }),
          sendOffsets: (groupId, offsets) => guarded('sendOffsets', async () => {
            const group = groups.get(groupId);
            if (group === undefined) {
              throw new RelstreamError('RELSTREAM_KAFKA_REQUEST', `no consumer of group ${groupId} in this client: transactional offsets need the generation they were read in`);
            }
            await transaction.addConsumer(group.consumer);
            for (const offset of offsets) {
              const membership = group.membership(offset.topic, offset.partition, offset.generation);
              if (membership === undefined) {
                throw new RelstreamError('RELSTREAM_KAFKA_STALE_GENERATION', `${offset.topic}:${offset.partition} is not assigned to this member of ${groupId}: its offsets are another member's to commit`, { retriable: true });
              }
              await transaction.addOffset(offsetMessage(offset, membership));
            }
          }),
        });
        await guarded('commitTransaction', () => transaction.commit());
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    },
    disconnect: () => guarded('disconnect', () => producer.close()),
  };
}

/** addOffset commits `offset + 1` of a fetched message under the membership its metadata names. */
function offsetMessage(offset: TopicPartitionOffset, membership: Membership): Message {
  // Only these fields are read by addOffset; the cast stands in for a message fetched by this member.
  return {
    topic: offset.topic, partition: offset.partition, offset: BigInt(offset.offset) - 1n, metadata: { consumer: membership },
  } as unknown as Message;
}
