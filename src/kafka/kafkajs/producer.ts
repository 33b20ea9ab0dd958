import type { Message, Producer as KjsProducer } from 'kafkajs';

import type { KafkaProducer, OutgoingMessage } from '../types.js';
import { guarded } from './errors.js';

function toKjsMessages(messages: readonly OutgoingMessage[]): Message[] {
  return messages.map((m) => ({
    key: m.key,
    value: m.value,
    ...(m.headers === undefined ? {} : { headers: { ...m.headers } }),
    ...(m.partition === undefined ? {} : { partition: m.partition }),
  }));
}

export function wrapProducer(producer: KjsProducer, idempotent: boolean): KafkaProducer {
  return {
    // The work's own errors come back unchanged; only the client's are mapped.
    transaction: async (work) => {
      const transaction = await guarded('transaction', () => producer.transaction());
      try {
        await work({
          send: (topic, messages) => guarded('produce', async () => { await transaction.send({ topic, acks: -1, messages: toKjsMessages(messages) }); }),
          // TxnOffsetCommit v1 carries no generation (the `generation` of each offset goes unused): kafkajs
          // cannot fence; its members say so at start.
          sendOffsets: (groupId, offsets) => guarded('sendOffsets', () => transaction.sendOffsets({
            consumerGroupId: groupId,
            topics: [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
              topic, partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, offset: o.offset })),
            })),
          })),
        });
        await guarded('commitTransaction', () => transaction.commit());
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    },
    send: (topic, messages) => guarded('produce', async () => {
      const metadata = await producer.send({
        topic,
        acks: idempotent ? -1 : 1,
        messages: toKjsMessages(messages),
      });
      return metadata.map((r) => ({ topic: r.topicName, partition: r.partition, baseOffset: r.baseOffset ?? r.offset ?? '-1' }));
    }),
    disconnect: () => guarded('disconnect', () => producer.disconnect()),
  };
}

