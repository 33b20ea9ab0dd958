/**
 * The only module that imports kafkajs. It maps relstream's client interface (./types.ts) onto kafkajs and
 * converts kafkajs errors into RelstreamError at this boundary.
 */
import kafkajs from 'kafkajs';
import type {
  Admin as KjsAdmin,
  Consumer as KjsConsumer,
  KafkaConfig,
  LogEntry,
  Message,
  Producer as KjsProducer,
  SASLOptions,
} from 'kafkajs';

import { RelstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type {
  ConsumerOptions,
  ConsumerRunOptions,
  IncomingMessage,
  KafkaAdmin,
  KafkaClient,
  KafkaConnectionOptions,
  KafkaConsumer,
  KafkaProducer,
  OutgoingMessage,
  ProducerOptions,
  TopicPartitionOffset,
} from './types.js';

const { Kafka, logLevel: KjsLogLevel, Partitioners } = kafkajs;

export function createKafkaClient(options: KafkaConnectionOptions, logger: Logger): KafkaClient {
  const kafka = new Kafka(toKafkaConfig(options, logger));
  return {
    admin: async () => wrapAdmin(await connected(kafka.admin())),
    // kafkajs validates options when a client is built, throwing its own errors: map them here too.
    producer: (producerOptions: ProducerOptions = {}) => guarded('connect', async () => {
      const { transactionalId } = producerOptions;
      const idempotent = transactionalId !== undefined || (producerOptions.idempotent ?? true);
      // kafkajs requires maxInFlightRequests 1 for idempotence; the batcher keeps requests large instead.
      const producer = kafka.producer({
        // murmur2 like the Java client, so a key lands on the same partition whichever client wrote it.
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent, maxInFlightRequests: idempotent ? 1 : 5, allowAutoTopicCreation: false,
        ...(transactionalId === undefined ? {} : { transactionalId, transactionTimeout: producerOptions.transactionTimeoutMs ?? 30_000 }),
      });
      await connected(producer);
      // kafkajs calls InitProducerId for the transactional id only at the first transaction: open and abort an
      // empty one now, so a restarted process fences its predecessor (and aborts its open transaction) at start.
      if (transactionalId !== undefined) await guarded('initTransactions', async () => { await (await producer.transaction()).abort(); });
      return wrapProducer(producer, idempotent);
    }),
    consumer: (consumerOptions: ConsumerOptions) => guarded('connect', async () => {
      const consumer = kafka.consumer({
        groupId: consumerOptions.groupId,
        allowAutoTopicCreation: false,
        ...(consumerOptions.sessionTimeoutMs === undefined ? {} : { sessionTimeout: consumerOptions.sessionTimeoutMs }),
        ...(consumerOptions.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: consumerOptions.heartbeatIntervalMs }),
        ...(consumerOptions.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: consumerOptions.maxBytesPerPartition }),
        ...(consumerOptions.maxBytes === undefined ? {} : { maxBytes: consumerOptions.maxBytes }),
      });
      return wrapConsumer(await connected(consumer));
    }),
  };
}

function toKafkaConfig(options: KafkaConnectionOptions, logger: Logger): KafkaConfig {
  const log = logger.child({ component: 'kafkajs' });
  return {
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    ...(options.tls === undefined ? {} : { ssl: options.tls }),
    ...(options.sasl === undefined ? {} : { sasl: toSasl(options.sasl) }),
    logLevel: KjsLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...fields } = entry.log;
      // kafkajs logs every error response of a request it then retries (coordinator loading, leader moved)
      // at ERROR; whether the request finally failed reaches the caller as a thrown error instead.
      const retriedResponse = entry.namespace === 'Connection';
      const level = retriedResponse ? 'debug' : entry.level <= KjsLogLevel.ERROR ? 'error' : entry.level === KjsLogLevel.WARN ? 'warn' : 'debug';
      log[level](message, { namespace: entry.namespace, ...fields });
    },
  };
}

function toSasl(sasl: NonNullable<KafkaConnectionOptions['sasl']>): SASLOptions {
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
}

async function connected<T extends { connect(): Promise<void> }>(client: T): Promise<T> {
  try {
    await client.connect();
    return client;
  } catch (error) {
    throw toRelstreamError(error, 'connect');
  }
}

interface KjsErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly retriable?: unknown;
  readonly type?: unknown;
  readonly cause?: unknown;
}

/** The innermost cause: kafkajs wraps the real failure in NumberOfRetriesExceeded and the like. */
function rootCause(error: unknown): KjsErrorShape {
  let current = error as KjsErrorShape;
  for (let depth = 0; depth < 10 && typeof current.cause === 'object' && current.cause !== null; depth++) current = current.cause;
  return current;
}

const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
const CONNECTION_NAMES = /Connection|BrokerNotFound|RequestTimeout|NumberOfRetriesExceeded/;

/**
 * kafkajs marks each error retriable or not; keep that flag and the original as the cause. kafkajs gives up
 * on a request with NumberOfRetriesExceeded, which it marks non-retriable even when every attempt failed on a
 * connection: what decides here is the root cause, so a broker restart reads as a retriable outage.
 */
export function toRelstreamError(error: unknown, operation: string): RelstreamError {
  if (error instanceof RelstreamError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as KjsErrorShape;
  const root = rootCause(error);
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const type = typeof root.type === 'string' ? root.type : typeof shape.type === 'string' ? shape.type : undefined;
  if (type !== undefined && FENCED_TYPES.has(type)) {
    return new RelstreamError('RELSTREAM_KAFKA_FENCED', `Kafka ${operation} failed: ${type}: ${message}`, { cause: error, retriable: false });
  }
  const rootName = typeof root.name === 'string' ? root.name : name;
  const isConnection = CONNECTION_NAMES.test(rootName) || CONNECTION_NAMES.test(name) && root === shape;
  const retriable = isConnection || shape.retriable === true || root.retriable === true;
  return new RelstreamError(
    isConnection ? 'RELSTREAM_KAFKA_CONNECTION' : 'RELSTREAM_KAFKA_REQUEST',
    `Kafka ${operation} failed: ${name}: ${message}`,
    { cause: error, retriable },
  );
}

async function guarded<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRelstreamError(error, operation);
  }
}

async function retrying<T>(operation: string, attempts: number, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await guarded(operation, work);
    } catch (error) {
      if (!(error instanceof RelstreamError) || !error.retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function wrapAdmin(admin: KjsAdmin): KafkaAdmin {
  return {
    describeCluster: () => guarded('describeCluster', async () => {
      const cluster = await admin.describeCluster();
      return {
        clusterId: cluster.clusterId,
        controllerId: cluster.controller,
        brokers: cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      };
    }),
    listTopics: () => guarded('listTopics', () => admin.listTopics()),
    // kafkajs's wait for leaders gives up on a transient UNKNOWN_TOPIC_OR_PARTITION right after creation;
    // creating again is harmless (existing topics are kept), so retriable failures are retried here.
    createTopics: (topics) => retrying('createTopics', 5, () => admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor ?? 1,
          configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      }).then(() => undefined)),
    deleteTopics: (topics) => guarded('deleteTopics', () => admin.deleteTopics({ topics: [...topics] })),
    fetchTopicOffsets: (topic) => guarded('fetchTopicOffsets', async () =>
      (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: p.high, low: p.low }))),
    fetchCommittedOffsets: (groupId, topic) => guarded('fetchOffsets', async () =>
      (await admin.fetchOffsets({ groupId, topics: [topic] })).flatMap((t) => t.partitions.map((p) => ({ partition: p.partition, offset: p.offset })))),
    disconnect: () => guarded('disconnect', () => admin.disconnect()),
  };
}

function toKjsMessages(messages: readonly OutgoingMessage[]): Message[] {
  return messages.map((m) => ({
    key: m.key,
    value: m.value,
    ...(m.headers === undefined ? {} : { headers: { ...m.headers } }),
    ...(m.partition === undefined ? {} : { partition: m.partition }),
  }));
}

function wrapProducer(producer: KjsProducer, idempotent: boolean): KafkaProducer {
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

function wrapConsumer(consumer: KjsConsumer): KafkaConsumer {
  let disconnecting: Promise<void> | undefined;
  return {
    run: (options: ConsumerRunOptions) => guarded('consume', async () => {
      const { GROUP_JOIN, CRASH, REBALANCING, FETCH } = consumer.events;
      if (options.onGroupJoin) {
        const onGroupJoin = options.onGroupJoin;
        consumer.on(GROUP_JOIN, (event) => {
          onGroupJoin({
            memberId: event.payload.memberId,
            // kafkajs does not report the generation; it would go unused, since kafkajs cannot fence.
            generationId: -1,
            partitions: Object.entries(event.payload.memberAssignment).map(([topic, partitions]) => ({ topic, partitions })),
          });
        });
      }
      if (options.onCrash) {
        const onCrash = options.onCrash;
        // kafkajs restarts the consumer itself after a retriable crash (payload.restart); only the rest is final.
        consumer.on(CRASH, (event) => { onCrash(toRelstreamError(event.payload.error, 'consume'), event.payload.restart); });
      }
      if (options.onRebalancing) {
        const onRebalancing = options.onRebalancing;
        consumer.on(REBALANCING, () => { onRebalancing(); });
      }
      if (options.onFetch) {
        const onFetch = options.onFetch;
        consumer.on(FETCH, () => { onFetch(); });
      }
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
      await consumer.run({
        // Nothing is committed behind our back: the caller commits what it has finished. Auto-resolve only
        // advances the fetch position once eachBatch returns, so the next fetch does not repeat the batch.
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async (payload) => {
          const { batch } = payload;
          const messages: IncomingMessage[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: toHeaders(m.headers),
            timestampMs: Number(m.timestamp),
          }));
          await options.eachBatch(
            { topic: batch.topic, partition: batch.partition, highWatermark: batch.highWatermark, messages },
            { heartbeat: () => payload.heartbeat(), isActive: () => payload.isRunning() && !payload.isStale() },
          );
        },
      });
    }),
    commitOffsets: (offsets: readonly TopicPartitionOffset[]) => guarded('commitOffsets', () =>
      consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })))),
    seekToCommitted: (offset) => { consumer.seek({ topic: offset.topic, partition: offset.partition, offset: offset.offset }); },
    pause: (partitions) => { consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }))); },
    resume: (partitions) => { consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }))); },
    disconnect: () => (disconnecting ??= guarded('disconnect', () => consumer.disconnect())),
  };
}

function toHeaders(headers: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (Buffer.isBuffer(value)) out[name] = value;
    else if (typeof value === 'string') out[name] = Buffer.from(value);
  }
  return out;
}
