/**
 * Picks the Kafka client adapter named by configuration (`kafkaClient`). Both implement ./types.ts; the
 * choice and its trade-offs are in docs/kafka-clients.md.
 */
import type { Logger } from '../observability/logger.js';
import { createKafkaClient as createKafkajsClient } from './kafkajs/client.js';
import { createPlatformaticClient } from './platformatic/client.js';
import type { KafkaClientKind } from './client-kinds.js';
import type { KafkaClient, KafkaConnectionOptions } from './types.js';

export { DEFAULT_KAFKA_CLIENT, FENCES_ZOMBIES, KAFKA_CLIENTS, type KafkaClientKind } from './client-kinds.js';

export function createKafkaClient(options: KafkaConnectionOptions, logger: Logger, kind: KafkaClientKind): KafkaClient {
  return kind === 'kafkajs' ? createKafkajsClient(options, logger) : createPlatformaticClient(options, logger);
}
