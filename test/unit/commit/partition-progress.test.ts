import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PartitionProgress } from '../../../src/commit/partition-progress.js';

describe('PartitionProgress', () => {
  it('commits only up to the highest contiguous finished offset', () => {
    const p = new PartitionProgress();
    for (const o of [10n, 11n, 12n, 13n]) p.admit(o);
    p.finish(12n);
    assert.equal(p.commitPoint(), undefined, '10 and 11 still running');
    p.finish(10n);
    assert.equal(p.commitPoint(), 11n);
    p.markCommitted(11n);
    assert.equal(p.commitPoint(), undefined, 'nothing new');
    p.finish(11n);
    assert.equal(p.commitPoint(), 13n, '11 and the earlier-finished 12');
    assert.equal(p.inFlight, 1);
  });

  it('stays small over a long run', () => {
    const p = new PartitionProgress();
    for (let o = 0n; o < 10_000n; o++) {
      p.admit(o);
      p.finish(o);
    }
    assert.equal(p.commitPoint(), 10_000n);
    assert.equal(p.inFlight, 0);
  });
});
