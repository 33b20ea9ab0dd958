/**
 * Preloaded into the benchmarked process (`--import`; the main thread and every worker run it) when
 * RELSTREAM_BENCH_GC_DIR is set: each isolate's garbage collections by kind (V8's GC profiler), how many, the
 * pause on its thread and the heap bytes they freed, rewritten to one file per thread every 250 ms (workers are
 * terminated, so there is no exit to wait for). What mark-compacts free outlived the young generation: the
 * costly garbage, marked by V8's platform threads and paused for on the thread that made it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GCProfiler } from 'node:v8';
import { isMainThread, threadId, threadName } from 'node:worker_threads';

/** One thread's collections so far, by V8's kind (Scavenge, MarkSweepCompact, ...). */
export interface ThreadGcStats {
  readonly thread: string;
  readonly kinds: Record<string, { count: number; pauseMs: number; freedBytes: number }>;
}

const FLUSH_MS = 250;

const dir = process.env['RELSTREAM_BENCH_GC_DIR'];
if (dir !== undefined && dir !== '') {
  const thread = isMainThread ? 'main' : (threadName ?? 'worker').replace(/-?\d+$/, '');
  const stats: ThreadGcStats = { thread, kinds: {} };
  const file = join(dir, `${process.pid}-${threadId}.json`);
  let profiler = new GCProfiler();
  profiler.start();
  const flush = (): void => {
    const { statistics } = profiler.stop();
    profiler = new GCProfiler();
    profiler.start();
    for (const gc of statistics) {
      const kind = (stats.kinds[gc.gcType] ??= { count: 0, pauseMs: 0, freedBytes: 0 });
      kind.count++;
      // cost is in microseconds.
      kind.pauseMs += gc.cost / 1000;
      kind.freedBytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize);
    }
    writeFileSync(file, JSON.stringify(stats));
  };
  setInterval(flush, FLUSH_MS).unref();
  process.on('exit', flush);
}
