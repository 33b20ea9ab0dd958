/**
 * Inference throughput on CPU (or --provider cuda where the CUDA provider is installed): pairs/s through the
 * ONNX session for a few batch sizes, on real encoded pairs of the benchmark sentences.
 */
import { SpliceEncoder, type EncodedPair } from '../src/encoding/splice-encoder.js';
import { padBatch } from '../src/inference/batch-tensors.js';
import { openModelSession, type ExecutionProvider } from '../src/inference/model-session.js';
import { loadModelDir } from '../src/model/model-dir.js';
import { silentLogger } from '../src/observability/logger.js';
import { candidatePairs } from '../src/pairs/candidate-pairs.js';
import { pairRulesFor } from '../src/pairs/pair-rules.js';
import type { BenchResult } from './report.js';
import { benchSentences } from './sentences.js';

export async function inferenceBench(modelDir: string, provider: ExecutionProvider, minMs = 3000): Promise<BenchResult[]> {
  const bundle = await loadModelDir(modelDir);
  const encoder = new SpliceEncoder(bundle);
  const rules = pairRulesFor(bundle);
  const pairs: EncodedPair[] = [];
  for (const s of benchSentences(50)) {
    const sentence = encoder.sentence(s.text);
    for (const p of candidatePairs(s.entities, rules).pairs) {
      const encoded = encoder.encode(sentence, p.subject, p.object);
      if (encoded.ok) pairs.push(encoded.pair);
    }
  }
  const session = await openModelSession(bundle.onnxPath, bundle.config.labels.length, { provider, cudaFallback: 'fail' }, silentLogger);
  const results: BenchResult[] = [];
  try {
    for (const batchSize of [1, 8, 32]) {
      const batches: EncodedPair[][] = [];
      for (let i = 0; i + batchSize <= pairs.length; i += batchSize) batches.push(pairs.slice(i, i + batchSize));
      const inputs = batches.map((b) => padBatch(b, bundle.config.padId));
      await session.run(inputs[0] ?? padBatch(pairs.slice(0, batchSize), bundle.config.padId)); // warm-up
      let done = 0;
      const started = performance.now();
      for (let i = 0; performance.now() - started < minMs; i++) {
        const input = inputs[i % inputs.length];
        if (!input) break;
        await session.run(input);
        done += input.batchSize;
      }
      const ms = performance.now() - started;
      results.push({
        scenario: 'inference', metric: `${session.provider} batch ${batchSize} pairs/s`, value: (done / ms) * 1000, unit: 'pairs/s',
        detail: { model: bundle.config.name, provider: session.provider, meanTokens: Math.round(pairs.reduce((n, p) => n + p.inputIds.length, 0) / pairs.length) },
      });
    }
  } finally {
    await session.close();
  }
  return results;
}
