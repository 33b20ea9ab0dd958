/** The Kafka client libraries relstream can run on (`kafkaClient`); adapters live beside this file. */
export const KAFKA_CLIENTS = ['platformatic', 'kafkajs'] as const;
export type KafkaClientKind = (typeof KAFKA_CLIENTS)[number];

/**
 * Chosen by measurement (docs/kafka-clients.md): kafkajs passes the whole chaos suite; platformatic passes the
 * client contract, fences zombies, but its zombie chaos run (test/chaos-wip) still shows duplicates.
 */
export const DEFAULT_KAFKA_CLIENT: KafkaClientKind = 'kafkajs';

/** Whether the client's transactional offset commits carry the group generation (KIP-447), fencing zombies. */
export const FENCES_ZOMBIES: Readonly<Record<KafkaClientKind, boolean>> = { platformatic: true, kafkajs: false };
