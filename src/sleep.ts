/**
 * A wait on the global timer. The record path uses this rather than node:timers/promises: the deterministic
 * simulation (test/simulation) drives global timers from its own clock, which node:timers/promises bypasses.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
