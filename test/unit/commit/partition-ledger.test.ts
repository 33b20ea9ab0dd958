import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PartitionLedger } from '../../../src/commit/partition-ledger.js';

describe('PartitionLedger', () => {
  it('commits only up to the highest contiguous finished offset', () => {
    const p = new PartitionLedger();
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

  it('recognises redelivered offsets instead of admitting them twice, so the commit point still reaches the end', () => {
    const p = new PartitionLedger();
    for (const o of [0n, 1n, 2n, 3n]) assert.equal(p.admit(o), true);
    p.finish(0n);
    p.finish(1n);
    // Kafka fetches again from the committed offset (0): 0..3 come back while 2 and 3 are still in flight.
    for (const o of [0n, 1n, 2n, 3n]) {
      assert.equal(p.seen(o), true);
      assert.equal(p.admit(o), false);
    }
    assert.equal(p.admit(4n), true);
    for (const o of [2n, 3n, 4n]) p.finish(o);
    assert.equal(p.commitPoint(), 5n);
    assert.equal(p.inFlight, 0);
  });

  it('stays small over a long run', () => {
    const p = new PartitionLedger();
    for (let o = 0n; o < 10_000n; o++) {
      p.admit(o);
      p.finish(o);
    }
    assert.equal(p.commitPoint(), 10_000n);
    assert.equal(p.inFlight, 0);
    // Compaction bounds what the ledger holds, not the partition's lifetime: without it, 10,000 entries.
    assert.ok(p.retained <= 2050, `${p.retained} offsets retained after 10,000 finished`);
  });
});
