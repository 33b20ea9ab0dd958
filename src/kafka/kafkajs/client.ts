/**
 * relstream's Kafka interface on kafkajs: this folder is the only code that imports kafkajs (errors, admin,
 * producer and consumer each in their own module); kafkajs errors become RelstreamError at this boundary.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import kafkajs from 'kafkajs';
import type { ICustomPartitioner, KafkaConfig, LogEntry, Message, PartitionerArgs, SASLOptions } from 'kafkajs';

import { RelstreamError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { ConsumerOptions, KafkaClient, KafkaConnectionOptions, ProducerOptions } from '../types.js';
import { wrapAdmin } from './admin.js';
import { wrapConsumer } from './consumer.js';
import { guarded, toRelstreamError } from './errors.js';
import { wrapProducer } from './producer.js';

const { Kafka, logLevel: KjsLogLevel, Partitioners } = kafkajs;

/**
 * kafkajs's default partitioner (murmur2 like the Java client, so a key lands on the same partition whichever client
 * wrote it), answering again without hashing for the key object it was just asked about: a record's events share one
 * key buffer (../../publish/record-output.ts), and hashing it for every event was a fiftieth of the main thread.
 */
const keyCachingPartitioner: ICustomPartitioner = () => {
  const hash = Partitioners.DefaultPartitioner();
  let last: { readonly key: Message['key']; readonly metadata: PartitionerArgs['partitionMetadata']; readonly partition: number } | undefined;
  return (args) => {
    const { key, partition } = args.message;
    // A partition given, or no key (round robin): the default partitioner's own answer every time.
    if (partition !== undefined || key === null || key === undefined) return hash(args);
    if (last?.key !== key || last.metadata !== args.partitionMetadata) last = { key, metadata: args.partitionMetadata, partition: hash(args) };
    return last.partition;
  };
};

/**
 * kafkajs gives no hook before a rebalance's JoinGroup; patches/kafkajs+*.patch adds one (`npm run build` applies
 * it). Without it every graceful rebalance would redo uncommitted work silently: refuse to start instead.
 */
function checkRevokeHookPatched(): void {
  const runner = join(dirname(fileURLToPath(import.meta.resolve('kafkajs'))), 'src', 'consumer', 'runner.js');
  if (!readFileSync(runner, 'utf8').includes('relstream patch')) {
    throw new RelstreamError('RELSTREAM_DEPENDENCY_UNPATCHED', 'kafkajs lacks relstream\'s revocation hook (patches/; npm run build applies it): run `npm run build` or `npx patch-package`');
  }
}

export function createKafkaClient(options: KafkaConnectionOptions, logger: Logger): KafkaClient {
  checkRevokeHookPatched();
  const kafka = new Kafka(toKafkaConfig(options, logger));
  return {
    admin: async () => wrapAdmin(await connected(kafka.admin())),
    // kafkajs validates options when a client is built, throwing its own errors: map them here too.
    producer: (producerOptions: ProducerOptions = {}) => guarded('connect', async () => {
      const { transactionalId } = producerOptions;
      const idempotent = transactionalId !== undefined || (producerOptions.idempotent ?? true);
      // kafkajs requires maxInFlightRequests 1 for idempotence; the batcher keeps requests large instead.
      const producer = kafka.producer({
        createPartitioner: keyCachingPartitioner,
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

