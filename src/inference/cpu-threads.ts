/**
 * How many threads each CPU inference session runs. ONNX Runtime sizes its pool by the host's cores when told 0
 * (physical cores, from the CPU count the kernel reports), blind to a container's CPU quota (cgroup `cpu.max`) or
 * an affinity mask: a pod limited to 2 CPUs on a 64-core host would run tens of threads per session, and the
 * kernel throttles the process for the time they overrun. Node's `availableParallelism()` reads both (libuv
 * 1.49+), so where it reports fewer CPUs than the host has, the sessions share those; elsewhere ONNX Runtime's
 * own choice stands.
 */
import { availableParallelism, cpus } from 'node:os';

export interface CpuBudget {
  /** CPUs this process may use (quota and affinity applied). */
  readonly available: number;
  /** CPUs the host has online. */
  readonly online: number;
}

export function cpuBudget(): CpuBudget {
  return { available: availableParallelism(), online: cpus().length };
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
