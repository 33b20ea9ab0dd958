/**
 * The ceiling in rounds (bench/ceiling-rounds.ts): every round runs its passthrough, and each figure, the share
 * included, is the median of the rounds' own figures (not one round's, and not a ratio of medians).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ceilingRounds } from '../../../bench/ceiling-rounds.js';
import type { PipelineBenchOptions } from '../../../bench/pipeline.bench.js';
import type { BenchResult } from '../../../bench/report.js';

describe('the ceiling in rounds', () => {
  it('runs the passthrough each round and reports each figure as the median of its rounds', async () => {
    // Ceilings 100, 300, 200 against passthroughs 1,000, 500, 2,000: shares 0.1, 0.6, 0.1.
    const ceilings = [100, 300, 200];
    const passthroughs = [1000, 500, 2000];
    const asked: PipelineBenchOptions[] = [];
    const run = (options: PipelineBenchOptions): Promise<BenchResult[]> => {
      asked.push(options);
      const ceiling = ceilings.shift() ?? NaN;
      const passthrough = passthroughs.shift() ?? NaN;
      return Promise.resolve([
        { scenario: 'ceiling platformatic', metric: 'events/s', value: ceiling, unit: 'events/s', detail: { records: 10 } },
        { scenario: 'passthrough platformatic', metric: 'events/s', value: passthrough, unit: 'events/s' },
        { scenario: 'ceiling platformatic', metric: 'share of the passthrough', value: ceiling / passthrough, unit: 'x' },
      ]);
    };
    const rows = await ceilingRounds(run, 3);
    assert.deepEqual(asked.map((o) => o.passthrough), [true, true, true]);
    const find = (scenario: string, metric: string): BenchResult | undefined => rows.find((r) => r.scenario === scenario && r.metric === metric);
    assert.equal(find('ceiling platformatic', 'events/s')?.value, 200);
    assert.equal(find('passthrough platformatic', 'events/s')?.value, 1000);
    const share = find('ceiling platformatic', 'share of the passthrough');
    assert.equal(share?.value, 0.1, 'the median of the rounds\' shares (0.1, 0.6, 0.1), not the ratio of the medians, 200 / 1,000');
    assert.deepEqual((share.detail ?? {})['rounds'], [0.1, 0.6, 0.1]);
    assert.equal(find('ceiling platformatic', 'events/s')?.detail?.['records'], 10, 'the first round\'s detail kept');
    assert.equal(rows.length, 3);
  });
});
