/**
 * The periodic commit's timing (src/commit/committer.ts): a steady member commits once per interval, and one
 * that had nothing to commit for an interval commits its next finished record at the next tick, instead of up
 * to an interval later (under exactly-once its output is invisible until then: a gap after every rebalance).
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';

import { Assignments, type CommitPoint } from '../../../src/commit/assignments.js';
import { Committer } from '../../../src/commit/committer.js';

const INTERVAL_MS = 1000;

function setUp(): { assignments: Assignments; committer: Committer; commits: string[][]; finish: (offset: number) => void } {
  const assignments = new Assignments();
  assignments.join({ memberId: 'm', generationId: 1, partitions: [{ topic: 't', partitions: [0] }] });
  const commits: string[][] = [];
  const committer = new Committer(assignments, {
    commit: (points: readonly CommitPoint[]) => {
      commits.push(points.map((p) => p.offset));
      return Promise.resolve(points);
    },
  });
  const state = assignments.state('t', 0);
  const finish = (offset: number): void => {
    assignments.admit(state, BigInt(offset), 1);
    assignments.finish([{ state, offset: BigInt(offset) }]);
  };
  return { assignments, committer, commits, finish };
}

describe('the periodic commit', () => {
  it('commits at most once per interval while records keep finishing, and at once after an idle interval', async (t) => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    t.after(() => { mock.timers.reset(); });
    const { committer, commits, finish } = setUp();

    // Idle since the start: the first finished record commits at the first tick.
    finish(0);
    await committer.commitIfDue(INTERVAL_MS);
    assert.deepEqual(commits, [['1']]);

    // Ticks within the interval leave newer records for the next due commit.
    for (let offset = 1; offset <= 9; offset++) {
      mock.timers.tick(100);
      finish(offset);
      await committer.commitIfDue(INTERVAL_MS);
    }
    assert.deepEqual(commits, [['1']], 'nothing committed before the interval passed');
    mock.timers.tick(100);
    await committer.commitIfDue(INTERVAL_MS);
    assert.deepEqual(commits, [['1'], ['10']]);

    // Nothing to commit for longer than an interval (partitions gone quiet): ticks commit nothing, and the next
    // finished record commits at the next tick, not an interval after it.
    mock.timers.tick(2500);
    await committer.commitIfDue(INTERVAL_MS);
    assert.equal(commits.length, 2, 'an empty tick commits nothing');
    finish(10);
    mock.timers.tick(100);
    await committer.commitIfDue(INTERVAL_MS);
    assert.deepEqual(commits, [['1'], ['10'], ['11']]);
  });

  it('commits whenever asked outside the tick (a full transaction stage, a revocation, the stop)', async () => {
    const { committer, commits, finish } = setUp();
    finish(0);
    await committer.commit();
    finish(1);
    await committer.commit();
    assert.deepEqual(commits, [['1'], ['2']]);
  });
});
