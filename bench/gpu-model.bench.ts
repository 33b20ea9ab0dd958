/**
 * A full-size model on the GPU (CUDA execution provider) beside PyTorch fp16 on the same GPU, same pairs and
 * checkpoint, in one run.
 *
 * ROOT holds `checkpoint/` (export.py --random-base writes one), `fp32/` (its plain export) and `fp16/`
 * (--optimize --fp16). For each batch size, relstream's ONNX session runs whole passes over the pairs, batched
 * as the micro-batcher batches them under a backlog; models/torch_gpu.py does the same with the checkpoint in
 * fp16. Reports pairs/s by batch size, whether the batch stays within the default token budget, the share of the
 * card's measured fp16 matrix-product rate the useful work reaches (FLOPs of the real tokens, not the padding),
 * and fp16's argmax agreement with fp32 on these pairs.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { configSchema } from '../src/config/schema.js';
import type { EncodedPair } from '../src/encoding/splice-encoder.js';
import { padBatch } from '../src/inference/batch-tensors.js';
import { openModelSession } from '../src/inference/model-session.js';
import { loadModelDir } from '../src/model/model-dir.js';
import { silentLogger } from '../src/observability/logger.js';
import { argmaxes, benchPairs, lengthBatches, passesPerSecond, runPythonTool, writePairsFile } from './model-pairs.js';
import type { BenchResult } from './report.js';

const BATCH_SIZES = [1, 8, 32, 64, 128, 256, 512];
const VARIANTS = ['fp32', 'fp16'] as const;
/** The default token budget (batchMaxTokens): batch sizes past it are reported for the curve, marked as past it. */
const TOKEN_BUDGET = configSchema.shape.batchMaxTokens.parse(undefined);

interface TorchGpuResult { readonly pairsPerSecond: Record<string, number>; readonly fp16MatmulFlops: number; readonly device: string; readonly torch: string }

interface BertShape { readonly hidden_size: number; readonly num_hidden_layers: number; readonly intermediate_size: number }

/** Multiply-adds ×2 of one pair of `tokens` through the encoder: projections, feed-forward and attention. */
function pairFlops(shape: BertShape, tokens: number): number {
  const h = shape.hidden_size;
  const perLayer = 2 * tokens * (4 * h * h + 2 * h * shape.intermediate_size) + 4 * tokens * tokens * h;
  return perLayer * shape.num_hidden_layers;
}

export async function gpuModelBench(root: string, pairCount = 2048, secondsPerSize = 2): Promise<BenchResult[]> {
  const pairs = await benchPairs(join(root, 'fp32'), pairCount, 800);
  const encoded = pairs.map((p) => p.encoded);
  const shape = JSON.parse(readFileSync(join(root, 'checkpoint', 'config.json'), 'utf8')) as BertShape;
  const flopsPerPass = encoded.reduce((n, p) => n + pairFlops(shape, p.inputIds.length), 0);
  const tmp = await mkdtemp(join(tmpdir(), 'relstream-gpu-bench-'));
  const scenario = 'gpu full-size';
  const results: BenchResult[] = [];
  try {
    const torch = await runPythonTool<TorchGpuResult>('torch_gpu.py', ['--checkpoint', join(root, 'checkpoint'), '--pairs', await writePairsFile(tmp, pairs), '--batch-sizes', BATCH_SIZES.join(','), '--seconds', String(secondsPerSize)]);
    const peak = torch.fp16MatmulFlops;
    const share = (pairsPerSecond: number): number => (pairsPerSecond * (flopsPerPass / encoded.length)) / peak;
    results.push({ scenario, metric: 'fp16 dense matrix-product rate (8192³, PyTorch)', value: peak / 1e12, unit: 'TFLOP/s', detail: { device: torch.device, torch: torch.torch } });
    for (const size of BATCH_SIZES) {
      const value = torch.pairsPerSecond[String(size)] ?? NaN;
      results.push({ scenario, metric: `PyTorch fp16 batch ${size} pairs/s`, value, unit: 'pairs/s', detail: { flopShare: Number(share(value).toFixed(4)) } });
    }
    let reference: Map<EncodedPair, number> | undefined;
    let best = { value: 0, variant: '', batchSize: 0 };
    for (const variant of VARIANTS) {
      const bundle = await loadModelDir(join(root, variant));
      const labels = bundle.config.labels.length;
      const session = await openModelSession(bundle.onnxPath, labels, { provider: 'cuda', cudaFallback: 'fail' }, silentLogger);
      try {
        const predicted = await argmaxes(session, lengthBatches(encoded, 8), bundle.config.padId, labels);
        if (variant === 'fp32') reference = predicted;
        else {
          const agreement = encoded.filter((p) => predicted.get(p) === reference?.get(p)).length / encoded.length;
          results.push({ scenario, metric: `${variant} argmax agreement with fp32`, value: agreement, unit: 'share', detail: { pairs: encoded.length, batchSize: 8, atExport: bundle.config.agreement ?? null } });
        }
        for (const size of BATCH_SIZES) {
          const inputs = lengthBatches(encoded, size).map((b) => padBatch(b, bundle.config.padId));
          const paddedTokens = Math.max(...inputs.map((i) => i.batchSize * i.sequenceLength));
          for (const input of inputs) await session.run(input); // warm-up: one kernel choice per shape
          const value = await passesPerSecond(session, inputs, secondsPerSize * 1000);
          if (value > best.value) best = { value, variant, batchSize: size };
          results.push({
            scenario, metric: `relstream ${variant} batch ${size} pairs/s`, value, unit: 'pairs/s',
            detail: { provider: session.provider, flopShare: Number(share(value).toFixed(4)), largestBatchTokens: paddedTokens, withinTokenBudget: paddedTokens <= TOKEN_BUDGET },
          });
        }
      } finally {
        await session.close();
      }
    }
    const bestTorch = Math.max(...Object.values(torch.pairsPerSecond));
    results.push({ scenario, metric: 'best relstream / best PyTorch fp16', value: best.value / bestTorch, unit: 'x', detail: { ...best, bestTorch } });
    results.push({ scenario, metric: 'best relstream share of the fp16 FLOP ceiling', value: share(best.value), unit: 'share', detail: { meanTokens: Math.round(encoded.reduce((n, p) => n + p.inputIds.length, 0) / encoded.length), gflopPerPair: Number((flopsPerPass / encoded.length / 1e9).toFixed(2)) } });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return results;
}
