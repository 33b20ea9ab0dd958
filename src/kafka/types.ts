/**
 * relstream's view of a Kafka client. The adapters in src/kafka/kafkajs/ and src/kafka/platformatic/ implement
 * it (and only they import their client library); every other module depends on these types, so the client is
 * a configuration choice and moving to another touches one folder.
 * Errors crossing this interface are RelstreamErrors: RELSTREAM_KAFKA_CONNECTION (retriable) when the cluster
 * cannot be reached, RELSTREAM_KAFKA_FENCED when a transactional producer was fenced, RELSTREAM_KAFKA_REQUEST
 * otherwise, with the client's own retriable flag.
 */
import type { RelstreamError } from '../errors.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnectionOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** How often the client itself retries a failed request before giving up (kafkajs default: 5). */
  readonly retries?: number;
  /** true for TLS with the system CAs, or explicit PEM material. */
  readonly tls?: boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly rejectUnauthorized?: boolean };
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface ClusterDescription {
  readonly clusterId: string;
  readonly controllerId: number | null;
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number }[];
}

export interface PartitionOffsets {
  readonly partition: number;
  /** Offset of the next message to be written (the high watermark), as a decimal string. */
  readonly high: string;
  readonly low: string;
}

export interface KafkaAdmin {
  describeCluster(): Promise<ClusterDescription>;
  listTopics(): Promise<string[]>;
  /** Whether the cluster runs KIP-848 consumer groups; a client that cannot speak that protocol leaves it out. */
  supportsConsumerProtocol?(): Promise<boolean>;
  /** Creates the topics and waits until their leaders are elected; existing topics are left as they are. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * The group's committed offsets (next to read) per partition; '-1' where none is committed. `requireStable`
   * (KIP-447): while a transaction holds offsets of these partitions open, fail with a retriable error instead
   * of answering the offsets from before it; a client without it (kafkajs: OffsetFetch v4) answers as without.
   */
  fetchCommittedOffsets(groupId: string, topic: string, options?: { readonly requireStable?: boolean }): Promise<{ readonly partition: number; readonly offset: string }[]>;
  disconnect(): Promise<void>;
}

export type Headers = Readonly<Record<string, Buffer>>;

export interface OutgoingMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: Headers;
  readonly partition?: number;
}

export interface DeliveryReport {
  readonly topic: string;
  readonly partition: number;
  /** Offset the broker assigned to the first message of the request for this partition. */
  readonly baseOffset: string;
}

export interface ProducerOptions {
  /** Idempotent producer: acks from all in-sync replicas, no duplicates from internal retries. */
  readonly idempotent?: boolean;
  /**
   * Makes the producer transactional (implies idempotent): sends happen only inside `transaction`. A
   * restarted process with the same id fences its predecessor and aborts its open transaction at once.
   */
  readonly transactionalId?: string;
  /** How long an open transaction of a crashed producer may block read_committed readers. */
  readonly transactionTimeoutMs?: number;
}

/** The sends and the input offsets of one Kafka transaction: all become visible together, or none. */
export interface KafkaTransaction {
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Commits the consumer group's offsets as part of the transaction (read-process-write). Each offset names the
   * generation its records were read in: a client that fences (KIP-447) presents it, so offsets of a partition
   * this member lost since, even one handed back to it in a later generation, are refused by the broker.
   */
  sendOffsets(groupId: string, offsets: readonly GenerationOffset[]): Promise<void>;
}

export interface KafkaProducer {
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<DeliveryReport[]>;
  /** Runs `work` in a transaction: commits when it resolves, aborts (and rethrows) when it rejects. */
  transaction(work: (transaction: KafkaTransaction) => Promise<void>): Promise<void>;
  disconnect(): Promise<void>;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  /** Kafka record timestamp in epoch milliseconds. */
  readonly timestampMs: number;
}

export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: string;
  readonly messages: readonly IncomingMessage[];
}

export interface BatchContext {
  /** Keeps group membership alive during long work; cheap to call often. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: abandon the rest of the batch. */
  isActive(): boolean;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The offset of the next message to read (last processed + 1), as Kafka expects it. */
  readonly offset: string;
}

/** One member's membership in one generation of its consumer group. */
export interface GroupGeneration {
  readonly memberId: string;
  readonly generationId: number;
}

/** An offset to commit, with the generation in which its partition was owned while its records were read. */
export interface GenerationOffset extends TopicPartitionOffset {
  readonly generation?: GroupGeneration;
}

/** Partitions of one topic. */
export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** classic (JoinGroup/SyncGroup, the default) or KIP-848's consumer protocol (a client that lacks it refuses). */
  readonly groupProtocol?: 'classic' | 'consumer';
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Most bytes one fetch returns over all partitions. */
  readonly maxBytes?: number;
}

export interface GroupAssignment extends GroupGeneration {
  readonly partitions: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
}

export interface ConsumerRunOptions {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  /** Called for each fetched batch. Offsets are committed only through `commitOffsets`, never automatically. */
  readonly eachBatch: (batch: IncomingBatch, context: BatchContext) => Promise<void>;
  readonly onGroupJoin?: (assignment: GroupAssignment) => void;
  /**
   * The consumer failed after the client's own retries and left the group. `restarting`: it rejoins on its
   * own (a retriable failure such as a broker outage), and fetches again from the committed offsets; otherwise
   * it stopped for good and the caller decides how to stop.
   */
  readonly onCrash?: (error: RelstreamError, restarting: boolean) => void;
  /** The group coordinator announced a rebalance; a group join follows. */
  readonly onRebalancing?: () => void;
  /**
   * Partitions are about to be given up in a rebalance while this member still owns them (classic: before it
   * sends JoinGroup, and eager assignors give up every partition; KIP-848: before it acknowledges the revocation).
   * The adapter lets them go only once the promise settles: the caller commits what it finished (commit on revoke).
   */
  readonly onRevoking?: (partitions: readonly TopicPartitions[]) => Promise<void>;
  /** A fetch round trip succeeded (also when it returned nothing): the cluster is reachable. */
  readonly onFetch?: () => void;
}

export interface KafkaConsumer {
  run(options: ConsumerRunOptions): Promise<void>;
  commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /**
   * Reads a partition again from the group's committed offset, `offset` (the progress watchdog's heal). A client
   * that can only reopen its stream does so; its stream starts from the committed offsets of every partition,
   * which the caller's ledgers recognise as redeliveries.
   */
  seekToCommitted(offset: TopicPartitionOffset): void;
  /**
   * Joins the group again (a rebalance): the watchdog's cure for a member left with no partitions while nothing
   * moves. A client with no way to ask for it says so in the log; the watchdog then fails /healthz instead.
   */
  rejoinGroup(): void;
  pause(partitions: readonly TopicPartitions[]): void;
  resume(partitions: readonly TopicPartitions[]): void;
  /** Stops fetching, leaves the group and closes connections; safe to call twice. */
  disconnect(): Promise<void>;
}

export interface KafkaClient {
  admin(): Promise<KafkaAdmin>;
  producer(options?: ProducerOptions): Promise<KafkaProducer>;
  consumer(options: ConsumerOptions): Promise<KafkaConsumer>;
}
