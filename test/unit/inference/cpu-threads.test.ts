/**
 * Inference threads under a CPU quota (src/inference/cpu-threads.ts): a setting wins; a process that may use every
 * CPU of the host leaves the choice to ONNX Runtime; one held to fewer (a cgroup quota, v1 or v2, an affinity mask)
 * shares those among its sessions, never more threads in all than it may use (one each at least).
 */
import assert from 'node:assert/strict';
import { availableParallelism, cpus } from 'node:os';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { cgroupCpuLimit, cpuBudget, intraOpThreadsFor, type ReadText } from '../../../src/inference/cpu-threads.js';

/** A file system of these files only. */
const files = (contents: Record<string, string>): ReadText => (path) => contents[path];

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

  it('reads a cgroup v2 quota (cpu.max), the lowest on the way up to the root; none where every level says max', () => {
    const self = '0::/kubepods/pod1/ctr\n';
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': self, '/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max': '250000 100000\n', '/sys/fs/cgroup/kubepods/cpu.max': 'max 100000\n' })), 2.5);
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': self, '/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max': 'max 100000', '/sys/fs/cgroup/kubepods/pod1/cpu.max': '150000 100000' })), 1.5, 'a parent\'s');
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': self, '/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max': 'max 100000', '/sys/fs/cgroup/cpu.max': 'max 100000' })), undefined);
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '400000 100000' })), 4, 'a cgroup namespace: the container at the root');
    assert.equal(cgroupCpuLimit(files({})), undefined, 'no /proc/self/cgroup');
  });

  it('reads a cgroup v1 quota under a cpu mount of its own or with cpuacct; -1 is none; v1 wins in a hybrid', () => {
    const hybrid = '9:name=systemd:/\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/rsq\n0::/\n';
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': hybrid, '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/rsq/cpu.cfs_quota_us': '100000', '/sys/fs/cgroup/cpu/rsq/cpu.cfs_period_us': '100000', '/sys/fs/cgroup/cpu.max': '300000 100000' })), 1);
    const docker = '4:cpu,cpuacct:/docker/abc\n';
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': docker, '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '50000', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000' })), 0.5);
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': docker, '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000' })), undefined);
  });

  it('the budget: Node\'s count (affinity applied) under the quota, floored, at least 1', () => {
    const quota = (cpusAllowed: string): ReadText => files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': `${cpusAllowed} 100000` });
    assert.deepEqual(cpuBudget(quota('max')), { available: availableParallelism(), online: cpus().length });
    assert.equal(cpuBudget(quota('50000')).available, 1, 'half a CPU: one thread');
    assert.equal(cpuBudget(quota('100000')).available, 1);
    assert.equal(cpuBudget(quota('100000000')).available, availableParallelism(), 'a quota above the host is the host');
  });
});
