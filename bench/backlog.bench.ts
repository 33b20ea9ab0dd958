/**
 * Memory must not depend on lag: the same pipeline run with a small and a large backlog waiting in the input
 * topic when the processor starts. Reports each run's peak RSS, the largest backlog's over the smallest's
 * (target: within 15%), and, with three or more backlogs, the last two's: a short run can end before the heap has
 * grown to its working size, so the step between the two largest says whether memory still follows the lag.
 */
import { pipelineBench } from './pipeline.bench.js';
import type { BenchResult } from './report.js';

export async function backlogBench(modelDir: string, backlogs: readonly number[], extraEnv: Readonly<Record<string, string>>): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const peaks: { records: number; rss: number }[] = [];
  for (const records of backlogs) {
    const run = await pipelineBench(modelDir, records, extraEnv);
    for (const r of run) results.push({ ...r, scenario: `backlog ${records}` });
    const rss = run.find((r) => r.metric === 'peak RSS')?.value ?? NaN;
    peaks.push({ records, rss });
  }
  const smallest = peaks[0];
  const largest = peaks.at(-1);
  if (smallest && largest && peaks.length > 1) {
    results.push({
      scenario: 'backlog', metric: `peak RSS ${largest.records} / ${smallest.records}`, value: largest.rss / smallest.rss, unit: 'ratio',
      detail: { target: '<= 1.15', peaks, delivery: extraEnv['RELSTREAM_DELIVERY_GUARANTEE'] ?? 'at-least-once' },
    });
  }
  const previous = peaks.at(-2);
  if (peaks.length > 2 && previous && largest) {
    results.push({
      scenario: 'backlog', metric: `peak RSS ${largest.records} / ${previous.records}`, value: largest.rss / previous.rss, unit: 'ratio',
      detail: { target: '<= 1.15', peaks, delivery: extraEnv['RELSTREAM_DELIVERY_GUARANTEE'] ?? 'at-least-once' },
    });
  }
  return results;
}
