/**
 * relstream's Kafka interface on @platformatic/kafka: this folder is the only code that imports the library
 * (errors, admin, producer, consumer and the read_committed patch check each in their own module). It maps relstream's client interface (./types.ts) onto
 * that client and converts its errors into RelstreamError at this boundary.
 *
 * Why a second client: its transactional offset commits (TxnOffsetCommit v3+, KIP-447) carry the consumer
 * group's generation and member id, so a member that lost its partitions in a rebalance cannot commit one
 * last transaction for them: the broker rejects it (ILLEGAL_GENERATION) and the new owner's output is the only
 * one a read_committed reader sees. kafkajs stops at TxnOffsetCommit v1, which cannot fence.
 *
 * Its consumer is a stream of single messages with their offsets; this adapter drains what the stream has
 * buffered, groups it by partition and hands each group to `eachBatch`, so the stream's own backpressure
 * (it stops fetching while its buffer is full) bounds memory while a batch is worked on.
 */
import {
  Admin,
  Consumer,
  type MessageToProduce,
  Producer,
  type ProducerOptions as PltProducerOptions,
  type RetryDelayGetter,
  type SASLOptions,
} from '@platformatic/kafka';

import type { Logger } from '../../observability/logger.js';
import { murmur2 } from '../murmur2.js';
import type { ConsumerOptions, KafkaClient, KafkaConnectionOptions, ProducerOptions } from '../types.js';
import { wrapAdmin } from './admin.js';
import { wrapConsumer, type MembershipLookup } from './consumer.js';
import { guarded } from './errors.js';
import type { GroupRegistry } from './group-registry.js';
import { checkLibraryPatched } from './library-patch.js';
import { wrapProducer } from './producer.js';
import { retryDelay } from './retry-delay.js';

export function createPlatformaticClient(options: KafkaConnectionOptions, logger: Logger): KafkaClient {
  checkLibraryPatched();
  const log = logger.child({ component: 'platformatic-kafka' });
  const groups: GroupRegistry = new Map();
  const base = baseOptions(options);
  return {
    admin: () => guarded('connect', async () => {
      const admin = new Admin(base);
      // The client connects lazily; a metadata round trip surfaces an unreachable cluster here, as kafkajs does.
      try {
        await admin.metadata({ topics: [] });
      } catch (error) {
        await admin.close().catch(() => undefined);
        throw error;
      }
      return wrapAdmin(admin);
    }),
    producer: (producerOptions: ProducerOptions = {}) => guarded('connect', async () => {
      const { transactionalId } = producerOptions;
      const idempotent = transactionalId !== undefined || (producerOptions.idempotent ?? true);
      const producer = new Producer({
        ...base,
        // InitProducerId sends `timeout` as the transaction timeout, so a transactional producer's requests
        // may take that long too.
        // producerId/epoch -1: "a new producer" in InitProducerId. The library's default (0, 0) names an existing
        // producer, which the broker refuses with PRODUCER_FENCED once another instance used this transactional id.
        ...(transactionalId === undefined ? {} : { transactionalId, timeout: producerOptions.transactionTimeoutMs ?? 30_000, producerId: -1n, producerEpoch: -1 }),
        idempotent,
        acks: idempotent ? -1 : 1,
        autocreateTopics: false,
        partitioner: javaCompatiblePartitioner(),
      } satisfies PltProducerOptions<Buffer, Buffer, Buffer, Buffer>);
      try {
        await producer.metadata({ topics: [] });
        if (transactionalId !== undefined) {
          // InitProducerId now, not at the first transaction: it fences a predecessor with this id and aborts
          // its open transaction, so read_committed readers are not held up by it.
          await (await producer.beginTransaction()).cancel();
        } else if (idempotent) {
          await producer.initIdempotentProducer({});
        }
      } catch (error) {
        await producer.close().catch(() => undefined);
        throw error;
      }
      return wrapProducer(producer, groups);
    }),
    consumer: (consumerOptions: ConsumerOptions) => guarded('connect', async () => {
      const consumer = new Consumer({
        ...base,
        groupId: consumerOptions.groupId,
        autocommit: false,
        groupProtocol: consumerOptions.groupProtocol ?? 'classic',
        ...(consumerOptions.sessionTimeoutMs === undefined ? {} : { sessionTimeout: consumerOptions.sessionTimeoutMs }),
        ...(consumerOptions.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: consumerOptions.heartbeatIntervalMs }),
        ...(consumerOptions.maxBytes === undefined ? {} : { maxBytes: consumerOptions.maxBytes }),
        ...(consumerOptions.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: consumerOptions.maxBytesPerPartition }),
      });
      try {
        await consumer.metadata({ topics: [] });
      } catch (error) {
        await consumer.close(true).catch(() => undefined);
        throw error;
      }
      const register = (membership: MembershipLookup): (() => void) => {
        groups.set(consumer.groupId, { consumer, membership });
        return () => { groups.delete(consumer.groupId); };
      };
      return wrapConsumer(consumer, () => new Admin(base), register, log, consumerOptions.groupProtocol ?? 'classic');
    }),
  };
}

function baseOptions(options: KafkaConnectionOptions): {
  clientId: string; bootstrapBrokers: string[]; connectTimeout?: number; requestTimeout?: number; retries?: number; retryDelay: RetryDelayGetter;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean }; sasl?: SASLOptions;
} {
  return {
    clientId: options.clientId,
    retryDelay,
    bootstrapBrokers: [...options.brokers],
    ...(options.connectionTimeoutMs === undefined ? {} : { connectTimeout: options.connectionTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.tls === undefined || options.tls === false ? {} : { tls: options.tls === true ? {} : { ...options.tls } }),
    ...(options.sasl === undefined ? {} : {
      sasl: { mechanism: options.sasl.mechanism === 'plain' ? 'PLAIN' : options.sasl.mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512', username: options.sasl.username, password: options.sasl.password },
    }),
  };
}

/**
 * murmur2 & 0x7fffffff like the Java client and kafkajs, so a key lands on the same partition whichever client
 * wrote it (the library's default partitioner differs; its `compatibilityPartitioner` is the same hash in BigInt
 * arithmetic, ../murmur2.ts); keyless messages go round robin, not all to partition 0.
 * A record's events share one key buffer, so the last key's hash is kept for the next message.
 */
function javaCompatiblePartitioner(): (message: MessageToProduce, key: Buffer | undefined) => number {
  let next = 0;
  let last: { key: Buffer; partition: number } | undefined;
  return (_message, key) => {
    if (key === undefined) return next++ & 0x7fffffff;
    if (last?.key !== key) last = { key, partition: murmur2(key) & 0x7fffffff };
    return last.partition;
  };
}
