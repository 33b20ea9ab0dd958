/**
 * One simulated world: an in-memory Kafka with group semantics (../helpers/in-memory-kafka.ts), two or three
 * relstream members built by the real builder (buildPipeline) on a fake inference pool, and a seeded
 * scheduler that, between steps of virtual time, injects what a real cluster does on bad days. Every timer of
 * the record path runs on node:test's mock clock and every I/O is in memory, so a schedule is a pure function
 * of its seed: a failing seed replays exactly.
 */
import { mock } from 'node:test';

import { Registry } from 'prom-client';

import { loadConfig } from '../../src/config/load-config.js';
import type { ConfigKey } from '../../src/config/schema.js';
import type { InferencePool } from '../../src/inference/inference-pool.js';
import type { ModelBundle } from '../../src/model/model-dir.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { buildPipeline, type Pipeline } from '../../src/cli/build-service.js';
import { relationEventCodec, trialRecordCodec } from '../../src/records/avro.js';
import { InMemoryKafka, outage, type InMemoryConsumer } from '../helpers/in-memory-kafka.js';
import { manyRecords } from '../helpers/processor.js';

export const IN = 'in';
export const OUT = 'out';
const DLQ = 'dlq';
export const PARTITIONS = 3;

export type Delivery = 'at-least-once' | 'exactly-once';

export interface WorldOptions {
  readonly delivery: Delivery;
  /** KIP-447 fencing of transactional offsets (platformatic); false: kafkajs, whose late commits go through. */
  readonly fencing: boolean;
  readonly records: number;
  readonly bundle: ModelBundle;
  /** Only graceful changes (rebalances, joins, SIGTERMs): what an autoscaler does all day, and must duplicate nothing. */
  readonly graceful?: boolean;
}

/** A seeded generator (mulberry32): the schedule's only source of choice. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inference on the mock clock: every pair is an event (label 0, certain), after `delayMs` of virtual time. */
function fakePool(numLabels: number, delayMs: () => number): InferencePool {
  return {
    provider: 'cpu',
    run: async (pairs) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs()));
      const logits = new Float32Array(pairs.length * numLabels).fill(-10);
      for (let row = 0; row < pairs.length; row++) logits[row * numLabels] = 10;
      return logits;
    },
    close: () => Promise.resolve(),
  };
}

export interface Member {
  readonly name: string;
  readonly pipeline: Pipeline;
  readonly consumer: InMemoryConsumer;
  readonly fatal: unknown[];
  stopping: Promise<void> | undefined;
}

const events = relationEventCodec();

export class World {
  readonly kafka = new InMemoryKafka();
  readonly members: Member[] = [];
  readonly log: string[] = [];
  readonly #random: () => number;
  #outageUntil = 0;
  /** Faults the next matching operation: one failure, then it passes. */
  readonly #oneShot = new Set<string>();
  #names = 0;

  constructor(readonly options: WorldOptions, random: () => number) {
    this.#random = random;
    this.kafka.strictGroup = true;
    this.kafka.fencing = options.fencing;
    for (const topic of [IN, OUT, DLQ]) this.kafka.createTopic(topic, PARTITIONS);
    const codec = trialRecordCodec();
    const records = manyRecords(Math.ceil(options.records / 12)).slice(0, options.records);
    this.kafka.append(IN, records.map((r, i) => ({ key: r.id, value: codec.encode(r), partition: i % PARTITIONS })));
    this.kafka.fault = (operation) => {
      if (Date.now() < this.#outageUntil) return outage();
      if (this.#oneShot.delete(operation)) return outage();
      return undefined;
    };
    // The watchdog of a member left with nothing asks to join again: the group assigns afresh.
    this.kafka.onRejoinRequest = (consumer) => {
      this.note(`rejoin requested by ${this.members.find((m) => m.consumer === consumer)?.name ?? '?'}`);
      this.rebalance();
    };
    this.kafka.onLeave = (consumer) => {
      // The group notices a member that left and hands its partitions to the others.
      if (this.live().some((m) => m.consumer === consumer)) return;
      this.note(`leave ${this.members.find((m) => m.consumer === consumer)?.name ?? '?'}`);
      this.rebalance();
    };
  }

  note(event: string): void {
    this.log.push(`${Date.now()}ms ${event}`);
  }

  live(): Member[] {
    return this.members.filter((m) => m.stopping === undefined && m.consumer.active);
  }

  async addMember(overrides: Partial<Record<ConfigKey, string>> = {}): Promise<Member> {
    const name = `m${++this.#names}`;
    const config = loadConfig({
      env: {},
      flags: {
        inputTopic: IN, outputTopic: OUT, deadLetterTopic: DLQ, groupId: 'sim', commitIntervalMs: '50', batchMaxWaitMs: '5',
        batchMaxPairs: '4', queueMaxPairs: '12', heartbeatIntervalMs: '100', shutdownTimeoutMs: '5000', stallTimeoutMs: '2000',
        // Intake on the simulation's one thread: worker threads would run outside its schedule.
        intakeWorkers: '0',
        kafkaOutageToleranceMs: '3600000', ...(this.options.delivery === 'exactly-once' ? { deliveryGuarantee: 'exactly-once', transactionalId: `sim-${name}` } : {}),
        ...overrides,
      },
    });
    const fatal: unknown[] = [];
    const pipeline = await buildPipeline({
      config, client: this.kafka, probeClient: this.kafka, bundle: this.options.bundle, pool: fakePool(this.options.bundle.config.labels.length, () => 1 + Math.floor(this.#random() * 20)),
      metrics: createMetrics(new Registry(), { defaultMetrics: false }), logger: silentLogger, onFatal: (e) => fatal.push(e),
    });
    await pipeline.start();
    const consumer = this.kafka.consumers.at(-1);
    if (consumer === undefined) throw new Error('no consumer');
    consumer.memberId = `${name}-a`;
    const member: Member = { name, pipeline, consumer, fatal, stopping: undefined };
    this.members.push(member);
    this.note(`start ${name}`);
    return member;
  }

  /**
   * Round-robin over the live members, as a range assignor would spread them. Members that keep their id give up
   * their partitions gracefully first (commit on revoke); an evicted one cannot.
   */
  rebalance(memberIds: ReadonlyMap<InMemoryConsumer, string> = new Map()): void {
    const live = this.live();
    const assignment = new Map<InMemoryConsumer, number[]>(live.map((m) => [m.consumer, []]));
    // A member that is stopping is in the group until it leaves: it gives its partitions up (gracefully) and,
    // as one about to leave, takes none.
    for (const m of this.members) if (m.stopping !== undefined && m.consumer.active && !memberIds.has(m.consumer)) assignment.set(m.consumer, []);
    for (let p = 0; p < PARTITIONS; p++) {
      const owner = live[p % Math.max(1, live.length)];
      if (owner) assignment.get(owner.consumer)?.push(p);
    }
    this.kafka.rebalance(assignment, memberIds, memberIds.size === 0);
    this.note(`rebalance gen ${this.kafka.groupGeneration}: ${live.map((m) => `${m.name}=[${assignment.get(m.consumer)?.join(',') ?? ''}]`).join(' ')}`);
  }

  /**
   * A rebalance that keeps every assignment; while another waits for its revocations, the group assigns afresh
   * (it would: the assignment is computed once every member has joined, not from what each held before).
   */
  #rejoinKeeping(live: Member[]): void {
    if (this.kafka.rebalancePending) this.rebalance();
    else this.kafka.rebalance(new Map(live.map((m) => [m.consumer, m.consumer.assigned])), new Map(), true);
  }

  /** One graceful change of the group, chosen by the seed. */
  #change(r: number, live: Member[], someone: Member | undefined): void {
    if (r < 0.3) {
      this.rebalance();
    } else if (r < 0.6 && someone && live.length > 1) {
      this.note(`SIGTERM ${someone.name}`);
      someone.stopping = someone.pipeline.close();
    } else if (live.length < 3) {
      this.note('scale out');
      void this.addMember().then(() => { this.rebalance(); });
    } else {
      this.note('rejoin keeping assignments');
      this.#rejoinKeeping(live);
    }
  }

  /** One fault, chosen by the seed. */
  inject(): void {
    const r = this.#random();
    const live = this.live();
    const someone = live[Math.floor(this.#random() * live.length)];
    if (this.options.graceful === true) {
      this.#change(r, live, someone);
    } else if (r < 0.15) {
      this.rebalance();
    } else if (r < 0.25 && someone) {
      // Evicted (a session timeout): it joins again under a new member id.
      this.note(`evict ${someone.name}`);
      this.rebalance(new Map([[someone.consumer, `${someone.name}-${Date.now()}`]]));
    } else if (r < 0.35 && someone) {
      // A rejoin that keeps every assignment (the client rejoined on its own, e.g. after an outage).
      this.note(`rejoin ${someone.name}`);
      this.#rejoinKeeping(live);
    } else if (r < 0.45) {
      const ms = 50 + Math.floor(this.#random() * 3000);
      this.#outageUntil = Date.now() + ms;
      this.note(`outage ${ms} ms`);
    } else if (r < 0.6) {
      const operation = ['commit', 'transaction', 'transaction-reply', 'send'][Math.floor(this.#random() * 4)] ?? 'commit';
      this.#oneShot.add(operation);
      this.note(`fail next ${operation}`);
    } else if (r < 0.7) {
      // A late commit from outside the current generation (a zombie): refused where fencing holds.
      const partition = Math.floor(this.#random() * PARTITIONS);
      const committed = this.kafka.committedOffset(IN, partition);
      if (!this.options.fencing && committed > 0n) {
        const back = committed - BigInt(1 + Math.floor(this.#random() * Number(committed)));
        this.kafka.committed.set(`${IN}:${partition}`, back < 0n ? 0n : back);
        this.note(`zombie commit ${partition}@${back} (was ${committed})`);
      }
    } else if (r < 0.8 && someone && live.length > 1) {
      this.note(`SIGTERM ${someone.name}`);
      someone.stopping = someone.pipeline.close();
    } else if (r < 0.9 && live.length < 3) {
      void this.addMember().then(() => { this.rebalance(); });
    } else if (r < 0.95) {
      // An assignment computed without the topic's metadata (Kafka 3.9 after a broker restart): nobody owns anything.
      this.kafka.rebalance(new Map(live.map((m) => [m.consumer, []])), new Map(), true);
      this.note(`empty assignment gen ${this.kafka.groupGeneration}`);
    } else if (someone) {
      const partition = someone.consumer.assigned[0];
      if (partition !== undefined) {
        // The client stops fetching a partition (a missed resume) until something reads it again.
        someone.consumer.stuck.add(partition);
        this.note(`stuck ${someone.name} p${partition}`);
      }
    }
  }

  /** Faults end: the cluster is reachable and every one-shot failure is cleared. */
  calm(): void {
    this.#outageUntil = 0;
    this.#oneShot.clear();
  }

  lagZero(): boolean {
    return Array.from({ length: PARTITIONS }, (_, p) => p).every((p) => this.kafka.committedOffset(IN, p) === BigInt(this.kafka.logs.get(IN)?.[p]?.length ?? -1));
  }

  eventIds(): string[] {
    return this.kafka.messages(OUT).map((m) => events.decode(m.value ?? Buffer.alloc(0)).id);
  }
}

/**
 * Runs every microtask the last tick released (the pipeline's promise chains): one real macrotask turn drains
 * the whole microtask queue. Nothing in the world does real I/O or uses a real timer, so what runs in that turn
 * is the same on every run: determinism holds. (One turn, not a loop of awaits: the test runner tracks every
 * promise, and a loop cost five times the schedule's own work.)
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The mock clock for one schedule; performance.now follows it (the batcher and runner read it). */
export function useMockClock(): () => void {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  // Replaced directly, not with mock.method: it is read per pair, and a tracked mock costs more than the work.
  const realNow = Object.getOwnPropertyDescriptor(performance, 'now');
  Object.defineProperty(performance, 'now', { value: () => Date.now(), configurable: true, writable: true });
  return () => {
    if (realNow === undefined) Reflect.deleteProperty(performance, 'now');
    else Object.defineProperty(performance, 'now', realNow);
    mock.timers.reset();
  };
}
