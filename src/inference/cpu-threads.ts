/**
 * How many CPUs this process may use, and so how many threads each CPU inference session runs. ONNX Runtime sizes
 * its pool by the host's cores when told 0 (physical cores, from the CPU count the kernel reports), blind to a
 * container's CPU quota or an affinity mask: a pod limited to 2 CPUs on a 64-core host would run tens of threads
 * per session, and the kernel throttles the process for the time they overrun. Node's `availableParallelism()`
 * applies the affinity mask and, since libuv 1.49, a cgroup v2 quota and a v1 one mounted as `cpu,cpuacct`; the
 * quota is also read here (v2 `cpu.max`, v1 `cpu.cfs_quota_us` under a `cpu` mount of its own, as on this
 * project's test machine, which libuv does not find), the lowest along the cgroup's path up to the root.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { posix } from 'node:path';

export interface CpuBudget {
  /** CPUs this process may use: the affinity mask and the cgroup quota applied, at least 1. */
  readonly available: number;
  /** CPUs the host has online. */
  readonly online: number;
}

/** A file's text, or undefined where it cannot be read. */
export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** `dir` and each directory above it up to `root`. */
function upTo(root: string, path: string): string[] {
  const dirs: string[] = [];
  for (let at = posix.join(root, path); at.startsWith(root); at = posix.dirname(at)) {
    dirs.push(at);
    if (at === root) break;
  }
  return dirs;
}

/** The lowest of the CPU limits read at each directory (CPUs, possibly fractional); undefined if none is set. */
function lowest(dirs: readonly string[], limitAt: (dir: string) => number | undefined): number | undefined {
  let low: number | undefined;
  for (const dir of dirs) {
    const limit = limitAt(dir);
    if (limit !== undefined && (low === undefined || limit < low)) low = limit;
  }
  return low;
}

const ratio = (quota: number, period: number): number | undefined => (quota > 0 && period > 0 ? quota / period : undefined);

/** The cgroup CPU quota of this process in CPUs (2.5 for `250000 100000`), or undefined where none is set. */
export function cgroupCpuLimit(read: ReadText = readText): number | undefined {
  const lines = (read('/proc/self/cgroup') ?? '').split('\n').map((line) => line.split(':'));
  const v1 = lines.find(([, controllers]) => controllers?.split(',').includes('cpu'));
  if (v1?.[2] !== undefined) {
    const path = v1.slice(2).join(':');
    for (const mount of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpuacct,cpu']) {
      if (read(posix.join(mount, 'cpu.cfs_period_us')) === undefined) continue;
      return lowest(upTo(mount, path), (dir) => ratio(Number(read(posix.join(dir, 'cpu.cfs_quota_us'))), Number(read(posix.join(dir, 'cpu.cfs_period_us')))));
    }
  }
  const v2 = lines.find(([id, controllers]) => id === '0' && controllers === '');
  if (v2?.[2] === undefined) return undefined;
  return lowest(upTo('/sys/fs/cgroup', v2.slice(2).join(':')), (dir) => {
    const [quota, period] = (read(posix.join(dir, 'cpu.max')) ?? '').trim().split(/\s+/);
    return quota === 'max' ? undefined : ratio(Number(quota), Number(period));
  });
}

export function cpuBudget(read: ReadText = readText): CpuBudget {
  const limit = cgroupCpuLimit(read);
  const available = Math.max(1, Math.min(availableParallelism(), limit === undefined ? Infinity : Math.floor(limit)));
  return { available, online: cpus().length };
}

/**
 * The intra-op threads of each of `sessions` CPU sessions: `configured` when set (above 0); with a quota or mask
 * below the host's CPUs, that budget shared among the sessions (at least 1 each); else undefined, ONNX Runtime's
 * default.
 */
export function intraOpThreadsFor(configured: number, sessions: number, budget: CpuBudget): number | undefined {
  if (configured > 0) return configured;
  if (budget.available >= budget.online) return undefined;
  return Math.max(1, Math.floor(budget.available / Math.max(1, sessions)));
}
