/**
 * The platformatic adapter in the deterministic simulation (test/simulation/platformatic/): thousands of seeded
 * schedules of rebalances (also in the middle of a read and of a delivery), slow stable offsets, lost
 * membership, pauses, seeks and commits over a scripted library. A failure prints its seed and the schedule's
 * events; RELSTREAM_SIM_SEED=N replays that one schedule, RELSTREAM_SIM_SCHEDULES sets how many run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { runAdapterSchedule } from '../../simulation/platformatic/schedule.js';

const SCHEDULES = Number(process.env['RELSTREAM_SIM_SCHEDULES'] ?? 2500);
const REPLAY = process.env['RELSTREAM_SIM_SEED'];
const FIRST_SEED = Number(process.env['RELSTREAM_SIM_FIRST_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

describe('deterministic simulation: the platformatic adapter over a scripted library', () => {
  it('a schedule is a function of its seed', async () => {
    const [first, second] = [await runAdapterSchedule(FIRST_SEED), await runAdapterSchedule(FIRST_SEED)];
    assert.ok(first.log.length > 4, 'the schedule did something');
    assert.deepEqual(second.log, first.log);
  });

  const what = REPLAY === undefined ? `${SCHEDULES} seeded schedules` : `replay of seed ${REPLAY}`;
  it(`${what}: only the current generation's partitions, from the committed offset, without gaps, every record in the end`, { timeout: 1_800_000 }, async (t) => {
    const seeds = REPLAY === undefined ? Array.from({ length: SCHEDULES }, (_, i) => (FIRST_SEED + i) % 2 ** 31) : [Number(REPLAY)];
    const started = Date.now();
    let delivered = 0;
    for (const seed of seeds) {
      const result = await runAdapterSchedule(seed);
      delivered += result.delivered;
      if (result.failure !== undefined || REPLAY !== undefined) t.diagnostic(`seed ${seed}: ${result.log.join('; ')}`);
      assert.equal(result.failure, undefined, `seed ${seed} (replay: RELSTREAM_SIM_SEED=${seed}): ${result.failure ?? ''}`);
    }
    t.diagnostic(`${seeds.length} schedules from seed ${seeds[0]} in ${Date.now() - started} ms; ${delivered} messages delivered`);
  });
});
