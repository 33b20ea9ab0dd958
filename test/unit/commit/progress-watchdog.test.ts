/**
 * The watchdog's look at a commit that keeps retrying (a coordinator refusing a membership the client lost
 * without noticing): on a clock the test moves, a commit running for stallTimeoutMs while the cluster answers
 * is a stall — counted, logged, cured by joining again — and a second one makes the member unhealthy. An outage
 * (lag unreadable) is not counted: the connectivity path owns it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Registry } from 'prom-client';

import { Assignments } from '../../../src/commit/assignments.js';
import { ProgressWatchdog, type PartitionLag } from '../../../src/commit/progress-watchdog.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const STALL_MS = 1000;

function world(options: { commitSince: number | undefined; reachable: () => boolean }) {
  let now = 10_000;
  const assignments = new Assignments();
  assignments.join({ memberId: 'm', generationId: 1, partitions: [{ topic: 'in', partitions: [0] }] });
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  let rejoins = 0;
  const lags: readonly PartitionLag[] = [{ partition: 0, committed: 5n, high: 50n }];
  const watchdog = new ProgressWatchdog({
    stallTimeoutMs: STALL_MS, topics: ['in'], assignments, metrics, logger: silentLogger, now: () => now,
    readLag: () => (options.reachable() ? Promise.resolve(lags) : Promise.reject(new Error('unreachable'))),
    // Busy: the stage is full behind the commit, so no partition counts as idle.
    holdingBack: () => true,
    heal: () => Promise.resolve(),
    rejoin: () => { rejoins++; },
    commitRunningSince: () => options.commitSince,
  });
  return {
    watchdog,
    advance: (ms: number) => { now += ms; },
    rejoins: () => rejoins,
    stalls: async () => (await metrics.partitionStalls.get()).values[0]?.value ?? 0,
    now: () => now,
  };
}

describe('progress watchdog: a commit that keeps retrying', () => {
  it('is a stall after stallTimeoutMs while the cluster answers: counted, joined again; a second time, unhealthy', async () => {
    const options = { commitSince: undefined as number | undefined, reachable: () => true };
    const w = world(options);
    options.commitSince = w.now();
    for (let t = 250; t < STALL_MS; t += 250) {
      w.advance(250);
      await w.watchdog.check();
    }
    assert.equal(w.rejoins(), 0, 'not before stallTimeoutMs');
    w.advance(250);
    await w.watchdog.check();
    assert.equal(w.rejoins(), 1, 'joined again');
    assert.equal(await w.stalls(), 1, 'counted');
    assert.equal(w.watchdog.healthy, true, 'healthy after the first');
    w.advance(STALL_MS);
    await w.watchdog.check();
    assert.equal(w.rejoins(), 2);
    assert.equal(w.watchdog.healthy, false, 'still retrying after the rejoin: unhealthy');
    assert.match(w.watchdog.reason ?? '', /commit has been retrying/);
  });

  it('a commit that ends in time, or one new commit after another, is no stall', async () => {
    const options = { commitSince: undefined as number | undefined, reachable: () => true };
    const w = world(options);
    for (let i = 0; i < 20; i++) {
      // Each commit runs for half the timeout, then the next one begins.
      options.commitSince = w.now();
      w.advance(STALL_MS / 2);
      await w.watchdog.check();
    }
    options.commitSince = undefined;
    w.advance(STALL_MS * 3);
    await w.watchdog.check();
    assert.equal(w.rejoins(), 0);
    assert.equal(await w.stalls(), 0);
  });

  it('while the cluster does not answer (an outage), a retrying commit is not counted', async () => {
    let reachable = false;
    const options = { commitSince: undefined as number | undefined, reachable: () => reachable };
    const w = world(options);
    options.commitSince = w.now();
    for (let i = 0; i < 10; i++) {
      w.advance(STALL_MS);
      await w.watchdog.check();
    }
    assert.equal(w.rejoins(), 0, 'the outage is the connectivity path\'s');
    reachable = true;
    w.advance(STALL_MS / 2);
    await w.watchdog.check();
    assert.equal(w.rejoins(), 0, 'the clock starts again once the cluster answers');
    w.advance(STALL_MS);
    await w.watchdog.check();
    assert.equal(w.rejoins(), 1);
  });
});
