/**
 * The bench's GC figures (bench/gc-stats.ts): what each isolate's preload wrote, summed by thread group, counted
 * from the start of the measured window, per pair; and the preload itself, run in a real worker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

import { GC_STATS_PRELOAD, gcResults, gcSince, readGcStats } from '../../../bench/gc-stats.js';
import type { ThreadGcStats } from '../../../bench/gc-stats-preload.js';

function write(dir: string, name: string, stats: ThreadGcStats): void {
  writeFileSync(join(dir, name), JSON.stringify(stats));
}

describe('bench GC figures', () => {
  it('sums workers of one kind, counts from the start and reports per pair', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relstream-gc-stats-'));
    write(dir, '1-0.json', { thread: 'main', kinds: { Scavenge: { count: 2, pauseMs: 2 }, MarkSweepCompact: { count: 1, pauseMs: 5 } } });
    write(dir, '1-1.json', { thread: 'intake', kinds: { Scavenge: { count: 1, pauseMs: 1 } } });
    const start = readGcStats(dir);
    write(dir, '1-0.json', { thread: 'main', kinds: { Scavenge: { count: 4, pauseMs: 3 }, MarkSweepCompact: { count: 3, pauseMs: 9 } } });
    write(dir, '1-2.json', { thread: 'intake', kinds: { Scavenge: { count: 3, pauseMs: 2 } } });
    writeFileSync(join(dir, '1-3.json'), '{"thread": "inter');
    const since = gcSince(readGcStats(dir), start);
    assert.deepEqual(since.get('intake'), { Scavenge: { count: 3, pauseMs: 2 } }, 'the second intake worker\'s, the first unchanged');
    const rows = gcResults('ceiling', since, 100);
    const value = (metric: string): number | undefined => rows.find((r) => r.metric === metric)?.value;
    assert.equal(value('main full collections per 100k pairs'), 2000, '2 mark-compacts in 100 pairs');
    assert.equal(value('main GC pause per pair'), 50, '5 ms over 100 pairs, in µs');
    assert.equal(value('intake GC pause per pair'), 20, '2 ms over 100 pairs');
    assert.equal(value('intake full collections per 100k pairs'), undefined, 'no mark-compact in intake: no figure');
    assert.equal(rows.length, 3, 'a torn file is skipped, not thrown');
  });

  it('the preload writes a worker\'s collections under its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relstream-gc-preload-'));
    const code = `
      import(${JSON.stringify(GC_STATS_PRELOAD)}).then(async () => {
        // Garbage enough for young-generation collections, in turns of the event loop (gc entries are delivered
        // between them), then exit (the final write).
        let keep = [];
        for (let turn = 0; turn < 20; turn++) {
          for (let i = 0; i < 20000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 1000) keep = []; }
          await new Promise((resolve) => setImmediate(resolve));
        }
      });`;
    const worker = new Worker(code, { eval: true, name: 'intake', env: { ...process.env, RELSTREAM_BENCH_GC_DIR: dir } });
    await new Promise((resolve) => worker.once('exit', resolve));
    const intake = readGcStats(dir).get('intake');
    assert.ok(intake !== undefined, 'a file for the worker named intake');
    assert.ok((intake['Scavenge']?.count ?? 0) > 0, `young-generation collections counted: ${JSON.stringify(intake)}`);
  });
});
