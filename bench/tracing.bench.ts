/**
 * What tracing costs (issue 11): the end-to-end pipeline with tracing off, on with every trace sampled, and on
 * with 10% sampled (spans exported over OTLP/HTTP to a receiver in this process that counts them), alternated
 * `rounds` times so drift in the machine falls on all. On the capacity probe (--ceiling model, every pair an
 * event) the pipeline around the model is all there is, so the overhead shows at its largest there.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { pipelineBench } from './pipeline.bench.js';
import type { BenchResult } from './report.js';

/** Counts the spans of OTLP/JSON posts; answers as a collector would. */
async function countingReceiver(): Promise<{ url: string; spans: () => number; close: () => Promise<void> }> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Counting the "spanId" keys is enough here, and cheaper than parsing what may be megabytes per post.
      spans += Buffer.concat(chunks).toString().split('"spanId"').length - 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    spans: () => spans,
    close: () => new Promise<void>((resolve) => { server.close(() => { resolve(); }); }),
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] ?? NaN : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/** The variants, each run once per round: name, sample ratio (undefined: tracing off). */
const VARIANTS: readonly (readonly [string, string | undefined])[] = [['tracing off', undefined], ['tracing on', '1'], ['tracing on 10%', '0.1']];

export async function tracingBench(modelDir: string, records: number, env: Readonly<Record<string, string>>, rounds = 3): Promise<BenchResult[]> {
  const receiver = await countingReceiver();
  const runs = new Map<string, BenchResult[][]>(VARIANTS.map(([name]) => [name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, ratio] of VARIANTS) {
        const tracing = ratio === undefined ? {} : { RELSTREAM_OTLP_TRACES_ENDPOINT: receiver.url, RELSTREAM_TRACING_SAMPLE_RATIO: ratio };
        runs.get(name)?.push(await pipelineBench(modelDir, records, { ...env, ...tracing }, name));
      }
    }
  } finally {
    await receiver.close();
  }
  const value = (run: BenchResult[], metric: string): number => run.find((x) => x.metric === metric)?.value ?? NaN;
  const detail = { rounds, records, model: modelDir, spansReceived: receiver.spans(), source: 'median of the rounds (alternated); each run as the pipeline scenario' };
  const results: BenchResult[] = [];
  for (const metric of ['records/s', 'main-thread CPU per pair', 'process CPU per pair', 'peak RSS']) {
    const unit = runs.get('tracing off')?.[0]?.find((x) => x.metric === metric)?.unit ?? '';
    const off = median((runs.get('tracing off') ?? []).map((r) => value(r, metric)));
    for (const [name] of VARIANTS) {
      const set = runs.get(name) ?? [];
      const perRun = { ...detail, runs: set.map((r) => Number(value(r, metric).toFixed(2))) };
      const median_ = median(set.map((r) => value(r, metric)));
      results.push({ scenario: name, metric, value: median_, unit, detail: perRun });
      if (name !== 'tracing off') results.push({ scenario: `${name} / off`, metric, value: median_ / off, unit: 'ratio', detail: perRun });
    }
  }
  return results;
}
