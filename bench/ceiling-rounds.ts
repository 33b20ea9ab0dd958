/**
 * The ceiling and its passthrough, N rounds in turn (`npm run bench -- --ceiling --rounds N`, no --baseline): one
 * pass reads the share of the passthrough anywhere in 0.28–0.53 on the same build within an hour (the passthrough
 * alone moved 175,000–330,000 events/s), so a share worth quoting is the median of rounds, each round's ceiling
 * against the passthrough run right after it on the same broker. Every figure is reported as the median of its
 * rounds, with the rounds in its detail.
 */
import { median } from './baseline.js';
import type { PipelineBenchOptions } from './pipeline.bench.js';
import type { BenchResult } from './report.js';

export async function ceilingRounds(run: (options: PipelineBenchOptions) => Promise<BenchResult[]>, rounds: number): Promise<BenchResult[]> {
  const runs: BenchResult[][] = [];
  for (let round = 0; round < rounds; round++) runs.push(await run({ passthrough: true }));
  const first = runs[0] ?? [];
  return first.map((row) => {
    const values = runs.map((r) => r.find((x) => x.scenario === row.scenario && x.metric === row.metric)?.value ?? NaN);
    return { ...row, value: median(values), detail: { ...row.detail, rounds: values, of: 'median of the rounds; detail beside it from the first' } };
  });
}
