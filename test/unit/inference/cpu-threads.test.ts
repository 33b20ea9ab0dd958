/**
 * Inference threads under a CPU quota (src/inference/cpu-threads.ts): a setting wins; a process that may use every
 * CPU of the host leaves the choice to ONNX Runtime; one held to fewer (cgroup cpu.max, an affinity mask) shares
 * those among its sessions, never more threads in all than it may use (one each at least).
 */
import assert from 'node:assert/strict';
import { availableParallelism, cpus } from 'node:os';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { cpuBudget, intraOpThreadsFor } from '../../../src/inference/cpu-threads.js';

describe('inference threads for the CPUs a process may use', () => {
  it('a setting wins; the whole host is left to ONNX Runtime; a quota is shared among the sessions', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 256 }), (configured, sessions, available, online) => {
      const threads = intraOpThreadsFor(configured, sessions, { available, online });
      if (configured > 0) assert.equal(threads, configured);
      else if (available >= online) assert.equal(threads, undefined);
      else {
        assert.ok(threads !== undefined && threads >= 1);
        assert.ok(threads * sessions <= Math.max(available, sessions), `${sessions} × ${threads} threads within ${available} CPUs`);
        assert.ok((threads + 1) * sessions > available, 'no CPU of the budget left unused by the split');
      }
    }));
    assert.equal(intraOpThreadsFor(0, 1, { available: 2, online: 64 }), 2, 'a 2-CPU pod on a 64-core host');
    assert.equal(intraOpThreadsFor(0, 2, { available: 2, online: 64 }), 1);
  });

  it('reads the budget from Node (quota and affinity applied) and the host', () => {
    assert.deepEqual(cpuBudget(), { available: availableParallelism(), online: cpus().length });
  });
});
