/**
 * The ceiling A/B (bench/baseline.ts): medians of alternated rounds for both builds, the ratios, this build's CPU by
 * thread group, the GC figures of both, and the share of the passthrough from the median rate, not from one round.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ceilingAgainstBaseline, runFlagsOf } from '../../../bench/baseline.js';
import type { PipelineBenchOptions } from '../../../bench/pipeline.bench.js';
import type { BenchResult } from '../../../bench/report.js';

/** A build directory with the CLI's entry and, when given, a `runtime.js` of that source. */
function baselineBuild(runtime?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'relstream-baseline-'));
  mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'src', 'config'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'src', 'cli', 'main.js'), '');
  if (runtime !== undefined) writeFileSync(join(dir, 'dist', 'src', 'config', 'runtime.js'), runtime);
  return dir;
}

/** A round of either build: ours at 100, 300, 200 events/s in turn, the baseline at 50; the passthrough at 1,000. */
function fakeRuns(): (options: PipelineBenchOptions) => Promise<BenchResult[]> {
  const ourRates = [100, 300, 200];
  return (options) => {
    const baseline = options.entry !== undefined;
    const scenario = baseline ? 'ceiling baseline platformatic' : 'ceiling platformatic';
    const rate = baseline ? 50 : ourRates.shift() ?? NaN;
    const rows: BenchResult[] = [
      { scenario, metric: 'pairs/s', value: rate, unit: 'pairs/s' },
      { scenario, metric: 'events/s', value: rate, unit: 'events/s' },
      { scenario, metric: 'main-thread CPU per pair', value: baseline ? 20 : 10, unit: 'µs' },
      { scenario, metric: 'process CPU per pair', value: baseline ? 80 : 40, unit: 'µs' },
      { scenario, metric: 'peak RSS', value: 400, unit: 'MiB' },
      { scenario, metric: 'intake threads\' CPU per pair', value: baseline ? 0 : rate / 10, unit: 'µs' },
      { scenario, metric: 'main full collections per 100k pairs', value: baseline ? 4000 : 1000, unit: 'count' },
    ];
    if (options.passthrough === true) {
      rows.push(
        { scenario: 'passthrough platformatic', metric: 'events/s', value: 1000, unit: 'events/s' },
        { scenario, metric: 'share of the passthrough', value: rate / 1000, unit: 'x' },
      );
    }
    return Promise.resolve(rows);
  };
}

describe('ceiling against a baseline build', () => {
  it('reports medians, ratios, thread groups and the share of the median rate', async () => {
    const rows = await ceilingAgainstBaseline(fakeRuns(), baselineBuild(), 3);
    const find = (scenario: string, metric: string): number | undefined => rows.find((r) => r.scenario === scenario && r.metric === metric)?.value;
    assert.equal(find('ceiling platformatic', 'events/s'), 200, 'median of 100, 300, 200');
    assert.equal(find('ceiling baseline platformatic', 'events/s'), 50, 'the baseline\'s rate, for the passthrough chart');
    assert.equal(find('ceiling platformatic', 'events/s vs baseline'), 4);
    assert.equal(find('ceiling platformatic', 'process CPU per pair vs baseline'), 0.5);
    assert.equal(find('ceiling platformatic', 'intake threads\' CPU per pair'), 20, 'this build\'s median');
    assert.equal(find('ceiling baseline platformatic', 'intake threads\' CPU per pair'), undefined);
    assert.equal(find('ceiling platformatic', 'main full collections per 100k pairs vs baseline'), 0.25, 'GC figures are compared too');
    assert.equal(find('passthrough platformatic', 'events/s'), 1000);
    assert.equal(find('ceiling platformatic', 'share of the passthrough'), 0.2, 'the median rate over the passthrough, not the first round\'s 0.1');
    assert.equal(rows.filter((r) => r.metric === 'share of the passthrough').length, 1);
  });

  it('runs the baseline with its own node flags and this build with its own', async () => {
    const seen: (readonly string[] | undefined)[] = [];
    const runs = fakeRuns();
    const dir = baselineBuild('export const RUN_NODE_FLAGS = [\'--max-old-space-size=100\', \'--heap-growing-percent=10\'];\n');
    await ceilingAgainstBaseline((options) => { seen.push(options.runFlags); return runs(options); }, dir, 2);
    assert.deepEqual(seen, [undefined, ['--max-old-space-size=100', '--heap-growing-percent=10'], undefined, ['--max-old-space-size=100', '--heap-growing-percent=10']]);
  });

  it('reads the flags of builds from before RUN_NODE_FLAGS, and of builds with neither', async () => {
    assert.deepEqual(await runFlagsOf(baselineBuild('export const RUN_HEAP_FLAG = \'--max-old-space-size=256\';\n')), ['--max-old-space-size=256']);
    assert.deepEqual(await runFlagsOf(baselineBuild('export const OTHER = 1;\n')), []);
    assert.deepEqual(await runFlagsOf(baselineBuild()), []);
  });

  it('refuses a directory without a build', async () => {
    await assert.rejects(ceilingAgainstBaseline(fakeRuns(), tmpdir(), 1), /no build there/);
  });
});
