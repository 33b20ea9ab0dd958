/**
 * One schedule of the deterministic simulation: two members start, then for a seeded number of steps the
 * scheduler either lets virtual time pass or injects a fault (./world.ts); then the faults end and time runs
 * until the group's lag is 0. What must hold after every schedule: lag 0 within ten virtual minutes of the last
 * fault (no stall), every record's events present, no member stopped by a fatal error, and with exactly-once
 * under fencing no event written twice.
 */
import { mock } from 'node:test';

import type { ModelBundle } from '../../src/model/model-dir.js';
import { seeded, settle, useMockClock, World, type Delivery } from './world.js';

export interface ScheduleOptions {
  readonly delivery: Delivery;
  readonly fencing: boolean;
  readonly bundle: ModelBundle;
  /** Every event id a run without faults writes. */
  readonly expected: ReadonlySet<string>;
  readonly records: number;
  /** false: time passes and nothing else happens (the reference run). */
  readonly faults?: boolean;
  /** Only graceful group changes: then no event may be written twice, in any mode. */
  readonly graceful?: boolean;
}

export interface ScheduleResult {
  readonly seed: number;
  /** What broke, or undefined when every invariant held. */
  readonly failure: string | undefined;
  /** The schedule's events, for a replay's report. */
  readonly log: readonly string[];
  readonly duplicates: number;
  readonly virtualMs: number;
  /** The distinct event ids written. */
  readonly events: ReadonlySet<string>;
}

const QUIESCE_LIMIT_MS = 600_000;

/** Drives virtual time until `done()` or `limitMs` of it passed. */
async function runUntil(done: () => boolean, limitMs: number, stepMs = 20): Promise<boolean> {
  for (let elapsed = 0; elapsed < limitMs; elapsed += stepMs) {
    await settle();
    if (done()) return true;
    mock.timers.tick(stepMs);
  }
  await settle();
  return done();
}

export async function runSchedule(seed: number, options: ScheduleOptions): Promise<ScheduleResult> {
  const restore = useMockClock();
  const started = Date.now();
  const random = seeded(seed);
  const world = new World({ delivery: options.delivery, fencing: options.fencing, records: options.records, bundle: options.bundle, graceful: options.graceful === true }, random);
  let failure: string | undefined;
  let duplicates = 0;
  let virtualMs: number;
  let events = new Set<string>();
  try {
    await world.addMember();
    await world.addMember();
    world.rebalance();
    const steps = 20 + Math.floor(random() * 60);
    for (let i = 0; i < steps; i++) {
      await settle();
      if (options.faults !== false && random() < 0.2) world.inject();
      else mock.timers.tick(1 + Math.floor(random() * 60));
    }
    world.calm();
    world.note('faults end');
    if (world.live().length === 0) {
      await world.addMember();
      world.rebalance();
    }
    const fatal = (): unknown => world.members.flatMap((m) => m.fatal)[0];
    const quiet = await runUntil(() => world.lagZero() || fatal() !== undefined, QUIESCE_LIMIT_MS);
    const ids = world.eventIds();
    const distinct = new Set(ids);
    events = distinct;
    duplicates = ids.length - distinct.size;
    const missing = [...options.expected].filter((id) => !distinct.has(id)).length;
    if (fatal() !== undefined) failure = `a member stopped on a fatal error: ${String(fatal())}`;
    else if (!quiet) failure = `stalled: lag not 0 ${QUIESCE_LIMIT_MS / 1000} virtual s after the last fault (committed ${[0, 1, 2].map((p) => world.kafka.committedOffset('in', p)).join('/')})`;
    else if (missing > 0) failure = `${missing} of ${options.expected.size} events missing with lag 0: records committed without their output`;
    else if (options.delivery === 'exactly-once' && options.fencing && duplicates > 0) failure = `${duplicates} events written twice under exactly-once`;
    else if (options.graceful === true && duplicates > 0) failure = `${duplicates} events written twice by graceful rebalances (commit on revoke)`;
  } catch (error) {
    failure = `the schedule threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
  } finally {
    const closing = Promise.all(world.members.map((m) => m.stopping ?? m.pipeline.close()));
    let closed = false;
    void closing.finally(() => { closed = true; });
    await runUntil(() => closed, 60_000, 100);
    virtualMs = Date.now() - started;
    restore();
  }
  return { seed, failure, log: world.log, duplicates, virtualMs, events };
}
