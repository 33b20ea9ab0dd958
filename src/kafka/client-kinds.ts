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

/**
 * Consumer group protocols (`groupProtocol`): KIP-848's `consumer` (Kafka ≥ 4.0; the broker assigns and revokes
 * only what moves), `classic` (JoinGroup/SyncGroup), or `auto`, resolved at start against the client and broker.
 */
export const GROUP_PROTOCOLS = ['auto', 'consumer', 'classic'] as const;
export type GroupProtocolSetting = (typeof GROUP_PROTOCOLS)[number];
export type GroupProtocol = Exclude<GroupProtocolSetting, 'auto'>;

/** Whether the client speaks KIP-848's consumer protocol. */
export const SPEAKS_CONSUMER_PROTOCOL: Readonly<Record<KafkaClientKind, boolean>> = { platformatic: true, kafkajs: false };
