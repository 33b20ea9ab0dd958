/**
 * The micro-batcher's own cost per pair with a backlog queued: N pairs of mixed lengths (20–120 tokens) wait,
 * then batches are taken until the queue is empty. Target (issue 10): a cost that does not grow with N.
 */
import { MicroBatcher } from '../src/batching/micro-batcher.js';
import type { BenchResult } from './report.js';

interface Pair { readonly length: number }

/** Microseconds of main-thread time per pair to queue and batch `depth` pairs (batch 32, 8,192 tokens). */
export async function batcherCostPerPair(depth: number, Batcher: typeof MicroBatcher = MicroBatcher): Promise<number> {
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pairs: Pair[] = Array.from({ length: depth }, () => ({ length: 20 + Math.floor(random() * 100) }));
  let release: (() => void) | undefined;
  let taken = 0;
  const batcher = new Batcher<Pair>({
    maxPairs: 32, maxTokens: 8192, maxWaitMs: 0, concurrency: 1, capacityPairs: 1e9, capacityTokens: 1e12,
    run: (items) => { taken += items.length; return new Promise<void>((resolve) => { release = resolve; }); },
  });
  const started = process.cpuUsage();
  for (const pair of pairs) batcher.submit(pair);
  while (taken < depth) {
    const next = release;
    release = undefined;
    next?.();
    await Promise.resolve();
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(started);
  batcher.close();
  return (used.user + used.system) / depth;
}

export async function batcherBench(depths: readonly number[] = [1_000, 10_000, 50_000]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const depth of depths) {
    const value = await batcherCostPerPair(depth);
    results.push({ scenario: 'micro-batcher', metric: `cost per pair, ${depth} queued`, value, unit: 'µs CPU/pair', detail: { depth, maxPairs: 32, maxTokens: 8192 } });
  }
  return results;
}
