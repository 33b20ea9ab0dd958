/**
 * An in-memory implementation of relstream's Kafka interface (src/kafka/types.ts) for unit tests of the
 * processor's logic: partitioned logs, one consumer group with committed offsets, transactions that become
 * visible on commit, and knobs for what a real cluster does on bad days (a rejoin that keeps the partitions
 * and fetches again from the committed offsets, a batch delivered twice, a revocation, failing sends,
 * commits and transactions). The real-broker suites stay the proof; this makes the rare orders repeatable.
 */
import { RelstreamError } from '../../src/errors.js';
import type {
  BatchContext, ConsumerRunOptions, DeliveryReport, IncomingMessage, KafkaAdmin, KafkaClient, KafkaConsumer, KafkaProducer,
  KafkaTransaction, OutgoingMessage, TopicPartitionOffset,
} from '../../src/kafka/types.js';

interface LogEntry {
  readonly message: OutgoingMessage;
  readonly offset: bigint;
  readonly timestampMs: number;
}

/** Returns an error to fail the operation with, or undefined to let it pass. */
export type Fault = (operation: string, topic?: string) => Error | undefined;

export const outage = (): RelstreamError => new RelstreamError('RELSTREAM_KAFKA_CONNECTION', 'injected: broker unreachable', { retriable: true });

export class InMemoryKafka implements KafkaClient {
  readonly logs = new Map<string, LogEntry[][]>();
  readonly committed = new Map<string, bigint>();
  fault: Fault = () => undefined;
  /** Awaited before a transaction's send: a test holds a transaction open here while the group changes. */
  gate: (operation: string) => Promise<void> | undefined = () => undefined;
  consumers: InMemoryConsumer[] = [];
  producersMade = 0;
  /**
   * Group semantics for the simulation (test/simulation): members join only when `rebalance` assigns them, share
   * one generation, and commits from a stale generation or for a partition not assigned are refused.
   */
  strictGroup = false;
  groupGeneration = 0;
  /** KIP-447: transactional offsets from a generation or member no longer current are refused (platformatic); off: kafkajs. */
  fencing = true;
  /** Called when a consumer asks to join again (the watchdog); by default it rejoins with what it has. */
  onRejoinRequest: (consumer: InMemoryConsumer) => void = (consumer) => { consumer.rejoin(); };
  /** Called when a consumer leaves the group (disconnect). */
  onLeave: (consumer: InMemoryConsumer) => void = () => undefined;

  #rebalances = 0;
  #pending = 0;

  /** A graceful rebalance is waiting for its revocations. */
  get rebalancePending(): boolean {
    return this.#pending > 0;
  }

  /**
   * A new generation: each listed consumer is told a rebalance began, then joins with its partitions. With
   * `revoke`, as a classic eager member does, each one that keeps its member id first gives up everything it owns
   * (its onRevoking settles) while the old generation is still current; a later rebalance that begins meanwhile
   * supersedes this one. Without, the assignment comes at once (an eviction: nothing is revoked gracefully).
   */
  rebalance(assignment: ReadonlyMap<InMemoryConsumer, readonly number[]>, memberIds: ReadonlyMap<InMemoryConsumer, string> = new Map(), revoke = false): void {
    const round = ++this.#rebalances;
    for (const consumer of assignment.keys()) consumer.options?.onRebalancing?.();
    if (!revoke) {
      this.#assign(assignment, memberIds);
      return;
    }
    const revocations = [...assignment.keys()].filter((c) => c.active && !memberIds.has(c)).map((c) => c.revokeAll());
    this.#pending++;
    void Promise.all(revocations).then(() => {
      this.#pending--;
      if (round === this.#rebalances) this.#assign(assignment, memberIds);
    });
  }

  #assign(assignment: ReadonlyMap<InMemoryConsumer, readonly number[]>, memberIds: ReadonlyMap<InMemoryConsumer, string>): void {
    this.groupGeneration++;
    for (const [consumer, partitions] of assignment) {
      const memberId = memberIds.get(consumer);
      consumer.rejoin({ partitions: [...partitions], generation: this.groupGeneration, ...(memberId === undefined ? {} : { memberId }) });
    }
  }

  /** Whether `consumer` owns `partition` in the current generation (strict group semantics). */
  owns(consumer: InMemoryConsumer, partition: number): boolean {
    return !this.strictGroup || (consumer.generation === this.groupGeneration && consumer.assigned.includes(partition) && consumer.active);
  }

  createTopic(topic: string, partitions: number): void {
    this.logs.set(topic, Array.from({ length: partitions }, () => []));
  }

  append(topic: string, messages: readonly OutgoingMessage[]): DeliveryReport[] {
    const partitions = this.logs.get(topic);
    if (!partitions) throw new RelstreamError('RELSTREAM_KAFKA_REQUEST', `unknown topic ${topic}`);
    return messages.map((message) => {
      const p = message.partition ?? 0;
      const log = partitions[p];
      if (!log) throw new RelstreamError('RELSTREAM_KAFKA_REQUEST', `unknown partition ${topic}:${p}`);
      log.push({ message, offset: BigInt(log.length), timestampMs: Date.now() });
      return { topic, partition: p, baseOffset: String(log.length - 1) };
    });
  }

  messages(topic: string): OutgoingMessage[] {
    return (this.logs.get(topic) ?? []).flatMap((log) => log.map((e) => e.message));
  }

  committedOffset(topic: string, partition: number): bigint {
    return this.committed.get(`${topic}:${partition}`) ?? 0n;
  }

  check(operation: string, topic?: string): void {
    const error = this.fault(operation, topic);
    if (error) throw error;
  }

  admin(): Promise<KafkaAdmin> {
    const admin: KafkaAdmin = {
      describeCluster: () => Promise.resolve({ clusterId: 'in-memory', controllerId: 0, brokers: [] }),
      listTopics: () => Promise.resolve([...this.logs.keys()]),
      createTopics: (specs) => { for (const s of specs) this.createTopic(s.topic, s.partitions); return Promise.resolve(); },
      deleteTopics: (names) => { for (const n of names) this.logs.delete(n); return Promise.resolve(); },
      fetchTopicOffsets: (topic) => Promise.resolve((this.logs.get(topic) ?? []).map((log, partition) => ({ partition, high: String(log.length), low: '0' }))),
      fetchCommittedOffsets: (_group, topic) => Promise.resolve((this.logs.get(topic) ?? []).map((_, partition) => ({ partition, offset: String(this.committed.get(`${topic}:${partition}`) ?? -1n) }))),
      disconnect: () => Promise.resolve(),
    };
    return Promise.resolve(admin);
  }

  producer(): Promise<KafkaProducer> {
    this.producersMade++;
    const producer: KafkaProducer = {
      // eslint-disable-next-line @typescript-eslint/require-await -- async so that a fault rejects, as a client's would
      send: async (topic, messages) => {
        this.check('send', topic);
        return this.append(topic, messages);
      },
      transaction: async (work) => {
        this.check('transaction');
        const pending: { topic: string; messages: readonly OutgoingMessage[] }[] = [];
        let offsets: readonly TopicPartitionOffset[] = [];
        const tx: KafkaTransaction = {
          send: async (topic, messages) => {
            await this.gate('transaction-send');
            this.check('send', topic);
            pending.push({ topic, messages });
          },
          sendOffsets: (_group, o) => {
            // Fenced as a KIP-447 broker does: offsets read in a generation that is no longer the member's.
            const stale = !this.fencing ? undefined : o.find((x) => x.generation !== undefined && !this.consumers.some((c) => c.memberId === x.generation?.memberId && c.generation === x.generation.generationId && this.owns(c, x.partition)));
            if (stale) return Promise.reject(new RelstreamError('RELSTREAM_KAFKA_STALE_GENERATION', `injected: generation ${stale.generation?.generationId} is stale`, { retriable: true }));
            offsets = o;
            return Promise.resolve();
          },
        };
        await work(tx);
        for (const p of pending) this.append(p.topic, p.messages);
        for (const o of offsets) this.committed.set(`${o.topic}:${o.partition}`, BigInt(o.offset));
        // A commit whose reply is lost: it happened, yet the caller sees an error.
        this.check('transaction-reply');
      },
      disconnect: () => Promise.resolve(),
    };
    return Promise.resolve(producer);
  }

  consumer(): Promise<KafkaConsumer> {
    const consumer = new InMemoryConsumer(this);
    this.consumers.push(consumer);
    return Promise.resolve(consumer);
  }
}

export class InMemoryConsumer implements KafkaConsumer {
  options: ConsumerRunOptions | undefined;
  memberId = 'member-1';
  assigned: number[] = [];
  readonly paused = new Set<number>();
  readonly positions = new Map<number, bigint>();
  generation = 0;
  batchSize = 5;
  readonly seeks: TopicPartitionOffset[] = [];
  /**
   * Partitions this consumer does not fetch though they are assigned and not paused (a resume a client library
   * missed): a stall. A seek clears one, unless `stuckAfterSeek` keeps it stuck.
   */
  readonly stuck = new Set<number>();
  stuckAfterSeek = false;
  /** Heartbeats to fail (as kafkajs's fail in a rebalance); the batch's handler throws, and the member rejoins. */
  heartbeatFailures = 0;
  /** Deliver each batch twice, as kafkajs does when a batch's handler threw. */
  repeatBatches = false;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly kafka: InMemoryKafka) {}

  private get topic(): string {
    const topic = this.options?.topics[0];
    if (!topic) throw new Error('consumer not running');
    return topic;
  }

  get active(): boolean {
    return this.running;
  }

  run(options: ConsumerRunOptions): Promise<void> {
    this.options = options;
    this.running = true;
    // With group semantics the member waits for the simulation's rebalance to hand it partitions.
    if (!this.kafka.strictGroup) this.rejoin({ partitions: (this.kafka.logs.get(this.topic) ?? []).map((_, i) => i) });
    this.loop = this.fetchLoop();
    return Promise.resolve();
  }

  /** A group join: the new assignment, and fetching restarts from the committed offsets (as kafkajs does). */
  rejoin(change: { memberId?: string; partitions?: number[]; generation?: number } = {}): void {
    this.generation = change.generation ?? this.generation + 1;
    if (change.memberId) this.memberId = change.memberId;
    if (change.partitions) this.assigned = change.partitions;
    this.positions.clear();
    for (const p of this.assigned) this.positions.set(p, this.kafka.committedOffset(this.topic, p));
    this.options?.onGroupJoin?.({ memberId: this.memberId, generationId: this.generation, partitions: [{ topic: this.topic, partitions: this.assigned }] });
  }

  /** Gives up every partition it owns, gracefully: resolves once the owner's onRevoking settled. */
  async revokeAll(): Promise<void> {
    const topic = this.options?.topics[0];
    if (topic === undefined || this.assigned.length === 0) return;
    await this.options?.onRevoking?.([{ topic, partitions: [...this.assigned] }]);
  }

  private isRunning(): boolean {
    return this.running;
  }

  private async fetchLoop(): Promise<void> {
    while (this.running) {
      // A broker outage: fetches fail and the client retries them on its own, reporting nothing.
      if (this.kafka.fault('fetch') !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      let delivered = false;
      for (const partition of [...this.assigned]) {
        // A rejoin during an earlier partition's batch may have taken this one away: a client hands on only what it owns.
        if (!this.assigned.includes(partition) || this.paused.has(partition) || this.stuck.has(partition) || !this.isRunning()) continue;
        const log = this.kafka.logs.get(this.topic)?.[partition] ?? [];
        const from = this.positions.get(partition) ?? 0n;
        const entries = log.slice(Number(from), Number(from) + this.batchSize);
        if (entries.length === 0) continue;
        delivered = true;
        const generation = this.generation;
        const messages: IncomingMessage[] = entries.map((e) => ({
          topic: this.topic, partition, offset: String(e.offset), key: typeof e.message.key === 'string' ? Buffer.from(e.message.key) : e.message.key,
          value: e.message.value, headers: e.message.headers ?? {}, timestampMs: e.timestampMs,
        }));
        const context: BatchContext = {
          heartbeat: () => {
            if (this.heartbeatFailures === 0) return Promise.resolve();
            this.heartbeatFailures--;
            return Promise.reject(new RelstreamError('RELSTREAM_KAFKA_REQUEST', 'injected: the group is rebalancing, so a rejoin is needed', { retriable: true }));
          },
          isActive: () => this.running && this.generation === generation && this.assigned.includes(partition),
        };
        const batch = { topic: this.topic, partition, highWatermark: String(log.length), messages };
        try {
          await this.options?.eachBatch(batch, context);
          if (this.repeatBatches) await this.options?.eachBatch(batch, context);
        } catch {
          // As kafkajs does when a handler fails on a rebalance: join again, read again from the committed offsets.
          this.rejoin();
          break;
        }
        if (this.generation === generation) this.positions.set(partition, from + BigInt(entries.length));
      }
      this.options?.onFetch?.();
      await new Promise((resolve) => setTimeout(resolve, delivered ? 0 : 5));
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a fault rejects, as a client's would
  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.kafka.check('commit');
    const stale = offsets.find((o) => !this.kafka.owns(this, o.partition));
    if (stale) throw new RelstreamError('RELSTREAM_KAFKA_STALE_GENERATION', `injected: ${stale.partition} committed from a stale generation`, { retriable: true });
    for (const o of offsets) this.kafka.committed.set(`${o.topic}:${o.partition}`, BigInt(o.offset));
  }

  rejoinRequests = 0;

  rejoinGroup(): void {
    this.rejoinRequests++;
    this.kafka.onRejoinRequest(this);
  }

  seekToCommitted(offset: TopicPartitionOffset): void {
    this.seeks.push(offset);
    this.positions.set(offset.partition, BigInt(offset.offset));
    if (!this.stuckAfterSeek) this.stuck.delete(offset.partition);
  }

  pause(partitions: readonly { readonly topic: string; readonly partitions: readonly number[] }[]): void {
    for (const p of partitions) for (const n of p.partitions) this.paused.add(n);
  }

  resume(partitions: readonly { readonly topic: string; readonly partitions: readonly number[] }[]): void {
    for (const p of partitions) for (const n of p.partitions) this.paused.delete(n);
  }

  async disconnect(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop;
    this.kafka.onLeave(this);
  }
}
