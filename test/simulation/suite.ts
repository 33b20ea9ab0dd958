/**
 * The deterministic simulation's suite, one per mode (test/unit/simulation/*.test.ts): thousands of seeded
 * schedules of rebalances, evictions, rejoins, broker outages, failed and lost commits, zombie commits,
 * SIGTERMs, scale-outs and stuck fetches, each checked for lag 0, every event present and (exactly-once,
 * fenced) no duplicates. A failure prints its
 * seed and the schedule's events; RELSTREAM_SIM_SEED=N replays that one schedule, RELSTREAM_SIM_SCHEDULES sets
 * how many run per mode (default 2,500: 10,000 in all).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { loadModelDir, type ModelBundle } from '../../src/model/model-dir.js';
import { tinyModelDir } from '../helpers/model.js';
import { runSchedule, type ScheduleOptions } from './schedule.js';
import type { Delivery } from './world.js';

const RECORDS = 12;
const PER_MODE = Number(process.env['RELSTREAM_SIM_SCHEDULES'] ?? 2500);
const REPLAY = process.env['RELSTREAM_SIM_SEED'];
const GRACEFUL_PER_MODE = Math.ceil(PER_MODE / 5);
const REPLAY_GRACEFUL = process.env['RELSTREAM_SIM_GRACEFUL_SEED'];
const FIRST_SEED = Number(process.env['RELSTREAM_SIM_FIRST_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

/** The events a run without faults writes: what every schedule must end with. */
async function expectedEvents(bundle: ModelBundle): Promise<Set<string>> {
  const reference = await runSchedule(1, { delivery: 'at-least-once', fencing: true, bundle, expected: new Set(), records: RECORDS, faults: false });
  assert.equal(reference.failure, undefined, `the fault-free run: ${reference.failure ?? ''}`);
  return new Set(reference.events);
}

export interface SimulationMode {
  readonly delivery: Delivery;
  /** KIP-447 fencing (the platformatic client); false: kafkajs, which cannot fence. */
  readonly fencing: boolean;
  readonly client: string;
}

/** One mode's suite; each mode has its own test file so the runner spreads them over the cores. */
export function simulationSuite(mode: SimulationMode): void {
  const label = `${mode.delivery}, ${mode.fencing ? 'fenced (KIP-447)' : 'unfenced'} like ${mode.client}`;
  describe(`deterministic simulation: ${label}`, () => {
    let bundle: ModelBundle;
    let expected: Set<string>;
    before(async () => {
      bundle = await loadModelDir(tinyModelDir);
      expected = await expectedEvents(bundle);
    });

    it('a schedule is a function of its seed: run twice, the same events in the same order', async () => {
      const options: ScheduleOptions = { ...mode, bundle, expected, records: RECORDS };
      const seed = FIRST_SEED;
      const [first, second] = [await runSchedule(seed, options), await runSchedule(seed, options)];
      assert.ok(first.log.length > 4, 'the schedule did something');
      assert.deepEqual(second.log, first.log);
      assert.deepEqual([...second.events], [...first.events]);
      assert.equal(second.virtualMs, first.virtualMs);
    });

    const what = REPLAY === undefined ? `${PER_MODE} seeded schedules` : `replay of seed ${REPLAY}`;
    it(`${what} end with lag 0 and every event${mode.delivery === 'exactly-once' && mode.fencing ? ', none twice' : ''}`, { timeout: 1_800_000 }, async (t) => {
      assert.ok(expected.size > 0, 'the fault-free run wrote events');
      const options: ScheduleOptions = { ...mode, bundle, expected, records: RECORDS };
      const seeds = REPLAY === undefined ? Array.from({ length: PER_MODE }, (_, i) => (FIRST_SEED + i) % 2 ** 31) : [Number(REPLAY)];
      const started = Date.now();
      let duplicates = 0;
      let virtualMs = 0;
      for (const seed of seeds) {
        const result = await runSchedule(seed, options);
        duplicates += result.duplicates;
        virtualMs += result.virtualMs;
        if (result.failure !== undefined || REPLAY !== undefined) t.diagnostic(`seed ${seed}: ${result.log.join('; ')}`);
        assert.equal(result.failure, undefined, `seed ${seed} (replay: RELSTREAM_SIM_SEED=${seed}): ${result.failure ?? ''}`);
      }
      t.diagnostic(`${seeds.length} schedules from seed ${seeds[0]} in ${Date.now() - started} ms (${(virtualMs / 1000).toFixed(0)} virtual s); duplicates ${duplicates}`);
    });

    const graceful = REPLAY_GRACEFUL === undefined ? `${GRACEFUL_PER_MODE} seeded schedules of graceful changes only` : `replay of graceful seed ${REPLAY_GRACEFUL}`;
    it(`${graceful} (rebalances, scale-outs, SIGTERMs) write no event twice, and end with lag 0 and every event`, { timeout: 1_800_000 }, async (t) => {
      const options: ScheduleOptions = { ...mode, bundle, expected, records: RECORDS, graceful: true };
      const seeds = REPLAY_GRACEFUL === undefined ? Array.from({ length: GRACEFUL_PER_MODE }, (_, i) => (FIRST_SEED + i) % 2 ** 31) : [Number(REPLAY_GRACEFUL)];
      let changes = 0;
      for (const seed of seeds) {
        const result = await runSchedule(seed, options);
        changes += result.log.filter((line) => / (rebalance gen|SIGTERM|scale out|rejoin keeping)/.test(line)).length;
        if (result.failure !== undefined || REPLAY_GRACEFUL !== undefined) t.diagnostic(`seed ${seed}: ${result.log.join('; ')}`);
        assert.equal(result.failure, undefined, `graceful seed ${seed} (replay: RELSTREAM_SIM_GRACEFUL_SEED=${seed}): ${result.failure ?? ''}`);
      }
      assert.ok(changes > seeds.length, 'the schedules changed the group');
      t.diagnostic(`${seeds.length} graceful schedules from seed ${seeds[0]}: ${changes} group changes, 0 duplicates`);
    });
  });
}
