/**
 * The ceiling A/B against a baseline build (`npm run bench -- --ceiling --baseline DIR`): this build and DIR's
 * alternated round by round on the same broker setup and records, so drift in the machine (other load, thermal,
 * the broker's page cache) falls on both. Reported: each side's median per metric, and this build's ratio to the
 * baseline (the targets are ratios: main-thread CPU per pair at most 0.35x, process CPU at most 0.7x).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { PipelineBenchOptions } from './pipeline.bench.js';
import type { BenchResult } from './report.js';

const COMPARED = ['pairs/s', 'events/s', 'main-thread CPU per pair', 'process CPU per pair', 'peak RSS'] as const;
/** Each thread's collections (../gc-stats.ts), compared too: both builds run with the same preload. */
const isGcMetric = (metric: string): boolean => metric.endsWith(' GC pause per pair') || metric.endsWith(' full collections per 100k pairs');

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * The node flags a build runs `relstream run` with, read from that build, so each side of the A/B runs as it
 * ships: builds before RUN_NODE_FLAGS exported one heap flag, RUN_HEAP_FLAG.
 */
export async function runFlagsOf(buildDir: string): Promise<readonly string[]> {
  const runtime = join(buildDir, 'dist', 'src', 'config', 'runtime.js');
  if (!existsSync(runtime)) return [];
  const flags = await import(pathToFileURL(runtime).href) as { RUN_NODE_FLAGS?: unknown; RUN_HEAP_FLAG?: unknown };
  if (Array.isArray(flags.RUN_NODE_FLAGS)) return flags.RUN_NODE_FLAGS.map(String);
  return typeof flags.RUN_HEAP_FLAG === 'string' ? [flags.RUN_HEAP_FLAG] : [];
}

export async function ceilingAgainstBaseline(run: (options: PipelineBenchOptions) => Promise<BenchResult[]>, baselineDir: string, rounds: number): Promise<BenchResult[]> {
  const entry = join(baselineDir, 'bin', 'relstream.js');
  if (!existsSync(join(baselineDir, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error(`--baseline ${baselineDir}: no build there (run npm ci && npm run build in it first)`);
  }
  const runFlags = await runFlagsOf(baselineDir);
  const ours: BenchResult[][] = [];
  const theirs: BenchResult[][] = [];
  for (let round = 0; round < rounds; round++) {
    // The passthrough once, with this build's first round: it measures the machine, not either build.
    ours.push(await run({ passthrough: round === 0 }));
    theirs.push(await run({ entry, runFlags }));
  }
  const value = (runs: readonly BenchResult[][], metric: string): number[] => runs.map((r) => r.find((x) => x.metric === metric)?.value ?? NaN);
  const scenario = ours[0]?.[0]?.scenario ?? 'ceiling';
  const baselineScenario = theirs[0]?.[0]?.scenario ?? 'ceiling baseline';
  const rows: BenchResult[] = [];
  const gcMetrics = (ours[0] ?? []).map((r) => r.metric).filter(isGcMetric);
  for (const metric of [...COMPARED, ...gcMetrics]) {
    const a = value(ours, metric);
    const b = value(theirs, metric);
    const unit = ours[0]?.find((x) => x.metric === metric)?.unit ?? '';
    rows.push(
      { scenario, metric, value: median(a), unit, detail: { rounds: a, ...ours[0]?.find((x) => x.metric === metric)?.detail } },
      { scenario: baselineScenario, metric, value: median(b), unit, detail: { rounds: b, baseline: baselineDir } },
      { scenario, metric: `${metric} vs baseline`, value: median(a) / median(b), unit: 'x', detail: { ours: median(a), baseline: median(b), rounds, alternated: true } },
    );
  }
  // This build's CPU by thread group (../pipeline.bench.ts), medians: where its process CPU goes.
  for (const { metric, unit, detail } of ours[0]?.filter((r) => r.metric.endsWith('threads\' CPU per pair')) ?? []) {
    const a = value(ours, metric);
    rows.push({ scenario, metric, value: median(a), unit, detail: { rounds: a, ...detail } });
  }
  // The passthrough ran once; the share is of this build's median rate, as every other figure here.
  const passthrough = ours[0]?.filter((r) => r.scenario.startsWith('passthrough ')) ?? [];
  const passthroughRate = passthrough.find((r) => r.metric === 'events/s')?.value;
  const share = ours[0]?.find((r) => r.metric === 'share of the passthrough');
  const events = median(value(ours, 'events/s'));
  if (share && passthroughRate !== undefined) {
    passthrough.push({ ...share, value: events / passthroughRate, detail: { ceilingEventsPerSecond: events, passthroughEventsPerSecond: passthroughRate, ceiling: 'median of the rounds' } });
  }
  return [...rows, ...passthrough];
}
