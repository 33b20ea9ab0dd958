/**
 * The benchmarked process's garbage collections by thread, from the files ./gc-stats-preload.ts writes: per pair,
 * the pause each thread spent collecting, and how often its whole heap was collected (mark-compacts: marking
 * what outlived the young generation is most of what V8's platform threads do). Which thread's garbage to cut,
 * and whether a change cut it: counts, steadier than the CPU figures beside them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { packageRoot } from '../src/paths.js';
import type { ThreadGcStats } from './gc-stats-preload.js';
import type { BenchResult } from './report.js';

/** The preload, for `--import`: this build's, whichever build is measured. */
export const GC_STATS_PRELOAD = pathToFileURL(join(packageRoot, 'dist', 'bench', 'gc-stats-preload.js')).href;

type Kinds = ThreadGcStats['kinds'];
/** Collections by thread group (main, intake, inference; workers of one kind summed), then by kind. */
export type GcByThread = ReadonlyMap<string, Kinds>;

const MARK_COMPACT = 'MarkSweepCompact';

/** What the preload has written to `dir` so far. */
export function readGcStats(dir: string): GcByThread {
  const byThread = new Map<string, Kinds>();
  for (const name of readdirSync(dir)) {
    let stats: ThreadGcStats;
    try {
      stats = JSON.parse(readFileSync(join(dir, name), 'utf8')) as ThreadGcStats;
    } catch {
      // Being rewritten this moment: its next version is read at the end.
      continue;
    }
    const kinds = byThread.get(stats.thread) ?? {};
    for (const [kind, k] of Object.entries(stats.kinds)) {
      const sum = (kinds[kind] ??= { count: 0, pauseMs: 0 });
      sum.count += k.count;
      sum.pauseMs += k.pauseMs;
    }
    byThread.set(stats.thread, kinds);
  }
  return byThread;
}

/** Collections between `start` and `end`. */
export function gcSince(end: GcByThread, start: GcByThread): GcByThread {
  const since = new Map<string, Kinds>();
  for (const [thread, kinds] of end) {
    const before = start.get(thread) ?? {};
    const diff: Kinds = {};
    for (const [kind, k] of Object.entries(kinds)) {
      const b = before[kind] ?? { count: 0, pauseMs: 0 };
      diff[kind] = { count: k.count - b.count, pauseMs: k.pauseMs - b.pauseMs };
    }
    since.set(thread, diff);
  }
  return since;
}

/** Pairs per unit of the full-collection figure: one mark-compact in so many pairs reads as a count, not a fraction. */
const PAIRS_PER_FULL_COLLECTION_UNIT = 100_000;

/** Per thread group that collected: GC pause per pair, and mark-compacts per 100,000 pairs where any ran. */
export function gcResults(scenario: string, byThread: GcByThread, pairs: number): BenchResult[] {
  const results: BenchResult[] = [];
  for (const [thread, kinds] of [...byThread].sort(([a], [b]) => a.localeCompare(b))) {
    const all = Object.values(kinds);
    if (all.every((k) => k.count === 0) || pairs <= 0) continue;
    const counts = Object.fromEntries(Object.entries(kinds).map(([kind, k]) => [kind, k.count]));
    const detail = { source: 'gc performance entries in each isolate (bench/gc-stats-preload.ts)', collections: counts };
    results.push({ scenario, metric: `${thread} GC pause per pair`, value: (all.reduce((s, k) => s + k.pauseMs, 0) * 1000) / pairs, unit: 'µs', detail });
    // Only where a mark-compact ran: a short run's workers may have none, and 0 of 0 is no figure.
    const markCompact = kinds[MARK_COMPACT];
    if (markCompact !== undefined && markCompact.count > 0) {
      results.push({ scenario, metric: `${thread} full collections per 100k pairs`, value: (markCompact.count * PAIRS_PER_FULL_COLLECTION_UNIT) / pairs, unit: 'count', detail });
    }
  }
  return results;
}
