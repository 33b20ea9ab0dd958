/**
 * What tracing costs (issue 11): the end-to-end pipeline with tracing off and on (every trace sampled, spans
 * exported over OTLP/HTTP to a receiver in this process that counts them), alternated `rounds` times so drift
 * in the machine falls on both. On the capacity probe (--ceiling model, every pair an event) the pipeline
 * around the model is all there is, so the overhead shows at its largest there.
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

export async function tracingBench(modelDir: string, records: number, env: Readonly<Record<string, string>>, rounds = 2): Promise<BenchResult[]> {
  const receiver = await countingReceiver();
  const results: BenchResult[] = [];
  const runs = { off: [] as BenchResult[][], on: [] as BenchResult[][] };
  try {
    for (let round = 0; round < rounds; round++) {
      runs.off.push(await pipelineBench(modelDir, records, env, 'tracing off'));
      runs.on.push(await pipelineBench(modelDir, records, { ...env, RELSTREAM_OTLP_TRACES_ENDPOINT: receiver.url, RELSTREAM_TRACING_SAMPLE_RATIO: '1' }, 'tracing on'));
    }
  } finally {
    await receiver.close();
  }
  const pick = (set: BenchResult[][], metric: string): number => median(set.map((r) => r.find((x) => x.metric === metric)?.value ?? NaN));
  const detail = { rounds, records, model: modelDir, spansReceived: receiver.spans(), source: 'median of the rounds; each run as the pipeline scenario' };
  for (const metric of ['records/s', 'main-thread CPU per pair', 'process CPU per pair', 'peak RSS']) {
    const off = pick(runs.off, metric);
    const on = pick(runs.on, metric);
    const unit = runs.off[0]?.find((x) => x.metric === metric)?.unit ?? '';
    results.push({ scenario: 'tracing off', metric, value: off, unit, detail }, { scenario: 'tracing on', metric, value: on, unit, detail }, { scenario: 'tracing on/off', metric, value: on / off, unit: 'ratio', detail });
  }
  return results;
}
