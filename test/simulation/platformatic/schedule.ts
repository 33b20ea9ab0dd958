/**
 * One seeded schedule of the platformatic adapter (src/kafka/platformatic/consumer.ts) over the scripted
 * library (./stand-in.ts): streams fetch, the group rebalances (between reads, in the middle of a read, during a
 * delivery), stable offsets are slow, membership is lost, the broker goes away and comes back, streams fail or
 * stop fetching without a word, the coordinator expires a member without a heartbeat, the processor pauses,
 * resumes, seeks and commits.
 *
 * What must hold, checked at every delivery: a member hands on only partitions of its current generation; per
 * partition and generation, the first delivery starts at or below the committed offset (above it, the records
 * between would be skipped as redeliveries and committed past: lost) and every later one starts where the last
 * ended (no gap, no going back). And at the end, with the faults over: every record reached, every partition
 * committed to its end.
 */
import { mock } from 'node:test';

import { wrapConsumer } from '../../../src/kafka/platformatic/consumer.js';
import type { IncomingBatch, KafkaConsumer } from '../../../src/kafka/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import { seeded, settle, useMockClock } from '../world.js';
import { ScriptedGroup, StandInAdmin, StandInConsumer, TOPIC } from './stand-in.js';

const PARTITIONS = 4;
const RECORDS = 24;
const QUIESCE_LIMIT_MS = 300_000;

export interface AdapterScheduleResult {
  readonly seed: number;
  readonly failure: string | undefined;
  readonly log: readonly string[];
  readonly delivered: number;
}

/** The processor's side of the contract, checked as batches arrive. */
class Checker {
  generation = -1;
  member = false;
  assigned = new Set<number>();
  /** Per partition, the offset the next delivery of this generation must start at (after a first one). */
  readonly next = new Map<number, number>();
  failure: string | undefined;
  delivered = 0;

  constructor(readonly group: ScriptedGroup, readonly log: string[]) {}

  join(generation: number, partitions: readonly number[]): void {
    this.generation = generation;
    this.member = true;
    this.assigned = new Set(partitions);
    this.next.clear();
    this.log.push(`joined g${generation} [${partitions.join(',')}]`);
  }

  lost(): void {
    this.member = false;
    this.log.push('membership lost');
  }

  seek(): void {
    this.next.clear();
  }

  batch(batch: IncomingBatch): void {
    const first = Number(batch.messages[0]?.offset ?? -1);
    const last = Number(batch.messages.at(-1)?.offset ?? -1);
    const p = batch.partition;
    const from = `stream ${batch.messages[0]?.headers['stream']?.toString() ?? '?'}`;
    this.log.push(`deliver p${p} ${first}..${last} (${from})`);
    const fail = (what: string): void => { this.failure ??= `p${p} ${first}..${last} from ${from} in g${this.generation}: ${what}`; };
    if (!this.member) fail('delivered while out of the group');
    else if (!this.assigned.has(p)) fail('delivered a partition not assigned in this generation');
    const expected = this.next.get(p);
    if (expected === undefined && first > (this.group.committed[p] ?? 0)) fail(`first delivery above the committed offset ${this.group.committed[p] ?? 0}: the records between are skipped`);
    if (expected !== undefined && first !== expected) fail(`expected offset ${expected} next (${first < expected ? 'went back' : 'a gap'})`);
    for (let i = 1; i < batch.messages.length; i++) {
      if (Number(batch.messages[i]?.offset) !== first + i) fail('a batch with a hole in it');
    }
    this.next.set(p, last + 1);
    this.delivered += batch.messages.length;
  }
}

function pickSubset(random: () => number): number[] {
  const out: number[] = [];
  for (let p = 0; p < PARTITIONS; p++) if (random() < 0.6) out.push(p);
  return out;
}

export async function runAdapterSchedule(seed: number): Promise<AdapterScheduleResult> {
  const restore = useMockClock();
  const random = seeded(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const log: string[] = [];
  const group = new ScriptedGroup(PARTITIONS, RECORDS);
  const consumer = new StandInConsumer(group);
  const admin = new StandInAdmin(group);
  const checker = new Checker(group, log);
  // The adapter's own log lines go into the schedule's, for a replay's report.
  const adapterLog = createLogger({ level: 'debug', write: (line) => { log.push(`adapter: ${line.trim()}`); } });
  const kafka: KafkaConsumer = wrapConsumer(consumer, () => admin, () => () => undefined, adapterLog);
  /** A rebalance armed to fire during the next delivery (the processor's eachBatch). */
  let joinInDelivery: number[] | undefined;
  let faults = true;
  let failure: string | undefined;
  try {
    const running = kafka.run({
      topics: [TOPIC], fromBeginning: true,
      onGroupJoin: (join) => { checker.join(join.generationId, join.partitions.flatMap((t) => t.partitions)); },
      onCrash: () => { checker.lost(); },
      eachBatch: async (batch) => {
        checker.batch(batch);
        const end = Number(batch.messages.at(-1)?.offset ?? -1) + 1;
        const generation = checker.generation;
        const partitions = joinInDelivery;
        joinInDelivery = undefined;
        if (partitions !== undefined) consumer.rebalance(partitions);
        // Processing takes virtual time; some batches are committed right away, the rest later or never.
        if (faults && random() < 0.3) await new Promise((resolve) => setTimeout(resolve, 1 + pick(40)));
        // As relstream's Committer: only the generation the records were read in commits them, never backwards.
        const current = checker.generation === generation && checker.member && end > (group.committed[batch.partition] ?? 0);
        if (current && random() < (faults ? 0.4 : 1)) {
          // Refused when the coordinator no longer knows the membership, or failed in an outage: retried by a later batch.
          await kafka.commitOffsets([{ topic: TOPIC, partition: batch.partition, offset: String(end) }]).catch((error: unknown) => {
            log.push(`commit refused: ${error instanceof Error ? error.message : String(error)}`);
          });
        }
      },
    });
    // The first consume() joins the group: run() returns once the coordinator answers.
    await settle();
    consumer.rebalance(pickSubset(random));
    await running;
    const steps = 30 + pick(90);
    for (let i = 0; i < steps && checker.failure === undefined; i++) {
      await settle();
      const roll = random();
      if (roll < 0.35) {
        const live = consumer.live();
        live[pick(live.length)]?.fetch(pick, 1 + pick(6));
      } else if (roll < 0.45) {
        const partitions = pickSubset(random);
        const where = pick(3);
        log.push(`rebalance to [${partitions.join(',')}] ${['now', 'in a read', 'in a delivery'][where] ?? ''}`);
        if (where === 0) consumer.rebalance(partitions);
        else if (where === 1) for (const s of consumer.live()) s.onRead = () => { consumer.rebalance(partitions); };
        else joinInDelivery = partitions;
      } else if (roll < 0.5) {
        admin.delayMs = pick(3) === 0 ? 0 : pick(2000);
        log.push(`stable offsets take ${admin.delayMs} ms`);
      } else if (roll < 0.6) {
        const p = pick(PARTITIONS);
        if (random() < 0.5) kafka.pause([{ topic: TOPIC, partitions: [p] }]);
        else kafka.resume([{ topic: TOPIC, partitions: [p] }]);
        log.push(`pause/resume p${p}`);
      } else if (roll < 0.63) {
        log.push('seek to committed');
        checker.seek();
        kafka.seekToCommitted({ topic: TOPIC, partition: 0, offset: String(group.committed[0] ?? 0) });
      } else if (roll < 0.65) {
        log.push('membership lost');
        consumer.loseMembership();
      } else if (roll < 0.67) {
        // A broker restart: joins and commits fail while it is away, and a stream may fail with it.
        group.down = !group.down;
        if (group.down) for (const s of consumer.live()) if (random() < 0.5) s.fail();
        log.push(group.down ? 'broker away' : 'broker back');
      } else if (roll < 0.675) {
        log.push('a stream fails');
        consumer.live()[0]?.fail();
      } else if (roll < 0.68) {
        log.push('a stream stops fetching');
        const live = consumer.live();
        const dying = live[pick(live.length)];
        if (dying !== undefined) dying.stalled = true;
      } else if (roll < 0.7) {
        const p = pick(PARTITIONS);
        group.ends[p] = (group.ends[p] ?? 0) + 1 + pick(8);
      } else if (consumer.joinRequested && roll < 0.8) {
        consumer.rebalance(pickSubset(random));
      } else {
        mock.timers.tick(1 + pick(300));
      }
    }
    faults = false;
    joinInDelivery = undefined;
    for (const s of consumer.streams) s.onRead = undefined;
    log.push('faults end');
    kafka.resume([{ topic: TOPIC, partitions: Array.from({ length: PARTITIONS }, (_, p) => p) }]);
    admin.delayMs = 0;
    group.down = false;
    // The group settles on every partition for this member, as after the others left; a member without a
    // heartbeat is expired instead and must join again by itself.
    consumer.rebalance(Array.from({ length: PARTITIONS }, (_, p) => p));
    const done = (): boolean => checker.failure !== undefined || group.committed.every((c, p) => c === group.ends[p]);
    // Now and then a last stream's fetch loop dies after the last join: no rebalance comes to replace it.
    const stallAt = random() < 0.3 ? pick(200) : -1;
    for (let elapsed = 0; elapsed < QUIESCE_LIMIT_MS && !done(); elapsed += 20) {
      await settle();
      if (elapsed === stallAt * 20) {
        log.push('the stream stops fetching');
        for (const s of consumer.live()) s.stalled = true;
      }
      if (consumer.joinRequested) consumer.rebalance(Array.from({ length: PARTITIONS }, (_, p) => p));
      for (const s of consumer.live()) s.fetch(pick, 8);
      mock.timers.tick(20);
    }
    await settle();
    failure = checker.failure ?? (done() ? undefined : `no progress: committed [${group.committed.join(',')}] of [${group.ends.join(',')}]`);
  } catch (error) {
    failure = `threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
  } finally {
    const closing = kafka.disconnect();
    for (let i = 0; i < 100; i++) {
      mock.timers.tick(250);
      await settle();
    }
    await closing;
    restore();
  }
  return { seed, failure, log, delivered: checker.delivered };
}
