import type { Message, MessageToProduce, Producer } from '@platformatic/kafka';

import { RelstreamError } from '../../errors.js';
import type { KafkaProducer, OutgoingMessage, TopicPartitionOffset } from '../types.js';
import { guarded } from './errors.js';
import type { GroupRegistry, Membership } from './group-registry.js';

function toPltMessages(topic: string, messages: readonly OutgoingMessage[]): MessageToProduce[] {
  return messages.map((m) => ({
    topic,
    ...(m.key === null ? {} : { key: Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key) }),
    ...(m.value === null ? {} : { value: m.value }),
    ...(m.headers === undefined ? {} : { headers: new Map(Object.entries(m.headers).map(([name, value]) => [Buffer.from(name), value])) }),
    ...(m.partition === undefined ? {} : { partition: m.partition }),
  }));
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
