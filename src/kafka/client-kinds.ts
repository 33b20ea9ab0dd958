/** The Kafka client libraries relstream can run on (`kafkaClient`); adapters live beside this file. */
export const KAFKA_CLIENTS = ['platformatic', 'kafkajs'] as const;
export type KafkaClientKind = (typeof KAFKA_CLIENTS)[number];

/**
 * Chosen by measurement (docs/kafka-clients.md): platformatic passes the same contract and chaos suites, fences
 * zombie members in exactly-once mode, and ran the pipeline benchmark slightly faster (1,677 vs 1,581 records/s).
 */
export const DEFAULT_KAFKA_CLIENT: KafkaClientKind = 'platformatic';

/** Whether the client's transactional offset commits carry the group generation (KIP-447), fencing zombies. */
export const FENCES_ZOMBIES: Readonly<Record<KafkaClientKind, boolean>> = { platformatic: true, kafkajs: false };
