/**
 * Preloaded into the benchmarked process (`--import`; the main thread and every worker run it) when
 * RELSTREAM_BENCH_GC_DIR is set: each isolate's garbage collections by kind, how many and the pause on its
 * thread, rewritten to one file per thread every 250 ms (workers are terminated, so there is no exit to wait for).
 *
 * From `gc` performance entries, not v8.GCProfiler: a GCProfiler's stop() leaves its GC callbacks installed (Node
 * removes them only when the profiler object is destroyed), so one restarted per read kept every earlier one
 * writing JSON at each collection: memory and pause growing with the square of the run's length (a 1,000,000-record
 * ceiling peaked at 2.6 GB RSS that relstream itself never used).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { isMainThread, threadId, threadName } from 'node:worker_threads';

/** One thread's collections so far, by V8's kind (Scavenge, MarkSweepCompact, ...). */
export interface ThreadGcStats {
  readonly thread: string;
  readonly kinds: Record<string, { count: number; pauseMs: number }>;
}

/** Node's gc entry kinds under the names V8 gives them. */
const KIND_NAMES: ReadonlyMap<number, string> = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'Scavenge'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'MarkSweepCompact'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'IncrementalMarking'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'ProcessWeakCallbacks'],
]);

const FLUSH_MS = 250;

/** A gc entry's kind, by its name in KIND_NAMES. */
function kindOf(entry: PerformanceEntry & { readonly detail?: unknown }): string {
  const detail = entry.detail as { kind?: number } | null | undefined;
  return KIND_NAMES.get(detail?.kind ?? -1) ?? 'Other';
}

const dir = process.env['RELSTREAM_BENCH_GC_DIR'];
if (dir !== undefined && dir !== '') {
  const thread = isMainThread ? 'main' : (threadName ?? 'worker').replace(/-?\d+$/, '');
  const stats: ThreadGcStats = { thread, kinds: {} };
  const file = join(dir, `${process.pid}-${threadId}.json`);
  // An entry's duration is the collection's time between V8's GC prologue and epilogue: this thread's pause.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (stats.kinds[kindOf(entry)] ??= { count: 0, pauseMs: 0 });
      kind.count++;
      kind.pauseMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const flush = (): void => {
    writeFileSync(file, JSON.stringify(stats));
  };
  setInterval(flush, FLUSH_MS).unref();
  process.on('exit', flush);
}
