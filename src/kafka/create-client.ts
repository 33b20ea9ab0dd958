/**
 * Picks the Kafka client adapter named by configuration (`kafkaClient`). Both implement ./types.ts; the
 * choice and its trade-offs are in docs/kafka-clients.md.
 */
import type { Logger } from '../observability/logger.js';
import { createKafkaClient as createKafkajsClient } from './kafkajs-adapter.js';
import { createPlatformaticClient } from './platformatic-adapter.js';
import type { KafkaClient, KafkaConnectionOptions } from './types.js';

export const KAFKA_CLIENTS = ['platformatic', 'kafkajs'] as const;
export type KafkaClientKind = (typeof KAFKA_CLIENTS)[number];

/** Chosen by measurement (pipeline benchmark and chaos suite with both; docs/kafka-clients.md). */
export const DEFAULT_KAFKA_CLIENT: KafkaClientKind = 'platformatic';

export function createKafkaClient(options: KafkaConnectionOptions, logger: Logger, kind: KafkaClientKind): KafkaClient {
  return kind === 'kafkajs' ? createKafkajsClient(options, logger) : createPlatformaticClient(options, logger);
}
