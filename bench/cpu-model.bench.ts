/**
 * A full-size model on CPU against the model card's way, in one run, on the same pairs and checkpoint.
 *
 * ROOT holds `checkpoint/` (a PyTorch checkpoint: export.py --random-base writes one) and any of its exports
 * `fp32/`, `optimized/` (--optimize) and `int8/` (--optimize --int8). The card's way (models/card_way.py:
 * transformers + PyTorch, tokenize and classify one pair at a time) and relstream's ONNX session on each export
 * run the same encoded pairs; relstream's batches are formed as its micro-batcher forms them under a backlog
 * (pairs of similar length together). Reports pairs/s for each, the best relstream figure over the card's, each
 * export's argmax agreement with the fp32 export on these pairs as batched, and the adaptive batch size's
 * pairs/s against the best fixed size.
 *
 * The ratio is made to hold on a noisy machine (issue 19's 10x was read at 9.8x and 11.1x in two runs of the same
 * build): the best of six short runs flatters, so each export's best batch size runs again for as long as the
 * card's way does and that figure counts; the card's way runs before and after relstream's runs and counts at
 * the mean of the two.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BatchSizeController } from '../src/batching/batch-size-controller.js';
import type { EncodedPair } from '../src/encoding/splice-encoder.js';
import { padBatch, type BatchInputs } from '../src/inference/batch-tensors.js';
import { describeCpu, exactInt8Kernels } from '../src/inference/cpu-features.js';
import { openModelSession, type ModelSession } from '../src/inference/model-session.js';
import { runSelfCheck } from '../src/inference/self-check.js';
import { loadModelDir } from '../src/model/model-dir.js';
import { silentLogger } from '../src/observability/logger.js';
import { argmaxes, benchPairs, lengthBatches, passesPerSecond, runPythonTool, writePairsFile } from './model-pairs.js';
import type { BenchResult } from './report.js';

export const CPU_MODEL_VARIANTS = ['fp32', 'optimized', 'int8'] as const;
const BATCH_SIZES = [1, 2, 4, 8, 16, 32];
/** The agreement an export needs to count (the export's own check uses the same bar). */
const MIN_AGREEMENT = 0.995;

interface CardWayResult { readonly pairsPerSecond: number; readonly threads: number; readonly idsMatchingRelstream: number; readonly idsChecked: number; readonly torch: string }

function cardWay(checkpoint: string, pairsFile: string, minSeconds: number): Promise<CardWayResult> {
  return runPythonTool<CardWayResult>('card_way.py', ['--checkpoint', checkpoint, '--pairs', pairsFile, '--threads', '2', '--min-seconds', String(minSeconds)]);
}

/**
 * The batch-size controller (as `run` uses it, batchSizeControl=adaptive) choosing sizes up to 32 on a stream
 * of these pairs in length order, from its start at 32; pairs/s over the whole run, learning included.
 */
async function adaptiveRun(session: ModelSession, pairs: readonly EncodedPair[], padId: number, ms: number): Promise<{ pairsPerSecond: number; chosen: number; sizesUsed: Record<number, number> }> {
  const sorted = [...pairs].sort((a, b) => a.inputIds.length - b.inputIds.length);
  const controller = new BatchSizeController({ maxPairs: 32 });
  const sizesUsed: Record<number, number> = {};
  let at = 0;
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    const size = controller.size;
    if (at + size > sorted.length) at = 0;
    const batch = sorted.slice(at, at + size);
    at += size;
    const t0 = performance.now();
    await session.run(padBatch(batch, padId));
    controller.observe(batch.length, (performance.now() - t0) / 1000);
    done += batch.length;
    sizesUsed[size] = (sizesUsed[size] ?? 0) + 1;
  }
  return { pairsPerSecond: (done / (performance.now() - started)) * 1000, chosen: controller.chosen, sizesUsed };
}

/**
 * Each export's model.onnx by its sha256, so a reference figure names the bytes it measured. An optimised export
 * made before exports for CPU left Add and LayerNormalization apart still fuses them into SkipLayerNormalization,
 * ~1.2x slower on full-size int8 (relstream warns at start, the bench's sessions log nothing): three runs of
 * 2026-12-05 measured such an export unawares, so the bench refuses one.
 */
async function exportsOf(root: string, variants: readonly string[]): Promise<Record<string, string>> {
  const exports: Record<string, string> = {};
  for (const variant of variants) {
    const bundle = await loadModelDir(join(root, variant));
    if (bundle.fusesSkipLayerNorm) {
      throw new Error(`${root}/${variant} fuses SkipLayerNormalization: export it again from ${root}/checkpoint (models/export.py --hf ${root}/checkpoint --out ${root}/${variant} ${variant === 'int8' ? '--optimize --int8' : '--optimize'})`);
    }
    exports[variant] = bundle.config.onnx.sha256;
  }
  return exports;
}

export async function cpuModelBench(root: string, pairCount = 358, minMs = 20_000): Promise<BenchResult[]> {
  const variants = CPU_MODEL_VARIANTS.filter((v) => existsSync(join(root, v, 'relstream-model.json')));
  if (!variants.includes('fp32')) throw new Error(`${root}/fp32 missing: export.py --random-base --out ${root}/fp32, then move ${root}/fp32-checkpoint to ${root}/checkpoint`);
  const exports = await exportsOf(root, variants);
  const pairs = await benchPairs(join(root, 'fp32'), pairCount);
  const encoded = pairs.map((p) => p.encoded);
  const meanTokens = encoded.reduce((n, p) => n + p.inputIds.length, 0) / encoded.length;
  const tmp = await mkdtemp(join(tmpdir(), 'relstream-cpu-bench-'));
  const results: BenchResult[] = [];
  try {
    const pairsFile = await writePairsFile(tmp, pairs);
    const card = await cardWay(join(root, 'checkpoint'), pairsFile, minMs / 1000);
    const scenario = 'cpu full-size';
    // The CPU's kernel-picking features belong with every CPU figure (scripts/as-cpu.sh can mask them).
    results.push({ scenario, metric: 'card\'s way (PyTorch, batch 1) pairs/s', value: card.pairsPerSecond, unit: 'pairs/s', detail: { ...card, pairs: pairs.length, meanTokens: Math.round(meanTokens), cpu: describeCpu(), exports } });

    let reference: Map<EncodedPair, number> | undefined;
    // The target counts only exports that agree with fp32 on at least MIN_AGREEMENT of these pairs.
    let best = { value: 0, variant: '', batchSize: 0 };
    let fastest = { value: 0, variant: '', batchSize: 0, agreement: 0 };
    // int8 runs with the kernels relstream picks for this CPU (int8Kernels=auto); where those are the exact
    // ones, also with the fast ones, to show what they would cost in agreement and gain in speed.
    const exactInt8 = exactInt8Kernels('auto');
    const runs = variants.flatMap((variant) => [
      { variant, name: variant, exactInt8 },
      ...(variant === 'int8' && exactInt8 ? [{ variant, name: 'int8, fast kernels', exactInt8: false }] : []),
    ]);
    for (const { variant: dir, name: variant, exactInt8: exact } of runs) {
      const bundle = await loadModelDir(join(root, dir));
      const labels = bundle.config.labels.length;
      const session = await openModelSession(bundle.onnxPath, labels, { provider: 'cpu', cudaFallback: 'fail', exactInt8: exact }, silentLogger);
      try {
        if (bundle.selfCheck !== undefined) {
          // What the start-up self-check adds to start-up with this model, after the warm-up run does.
          await session.run(padBatch(lengthBatches(encoded, 1)[0] ?? [], bundle.config.padId));
          const check = await runSelfCheck((checked) => session.run(padBatch(checked, bundle.config.padId)), bundle.selfCheck);
          results.push({ scenario, metric: `${variant} start-up self-check ms`, value: check.ms, unit: 'ms', detail: { pairs: check.pairs, passed: check.passed, argmaxAgreement: check.argmaxAgreement, maxAbsLogitDifference: check.maxAbsLogitDifference } });
        }
        // Agreement as relstream runs it (batched, padded), against the fp32 export at batch 1.
        if (variant === 'fp32') reference = await argmaxes(session, lengthBatches(encoded, 1), bundle.config.padId, labels);
        const predicted = await argmaxes(session, lengthBatches(encoded, 8), bundle.config.padId, labels);
        const agreeing = encoded.filter((p) => predicted.get(p) === reference?.get(p)).length;
        const agreement = agreeing / encoded.length;
        results.push({ scenario, metric: `${variant} argmax agreement with fp32`, value: agreement, unit: 'share', detail: { pairs: encoded.length, batchSize: 8, atExport: bundle.config.agreement ?? null } });
        const inputsOf = (batchSize: number): BatchInputs[] => lengthBatches(encoded, batchSize).map((b) => padBatch(b, bundle.config.padId));
        let bestFixed = { value: 0, batchSize: 0 };
        for (const batchSize of BATCH_SIZES) {
          const value = await passesPerSecond(session, inputsOf(batchSize), minMs / BATCH_SIZES.length);
          if (value > bestFixed.value) bestFixed = { value, batchSize };
          results.push({ scenario, metric: `${variant} batch ${batchSize} pairs/s`, value, unit: 'pairs/s', detail: { model: bundle.config.name, precision: bundle.config.onnx.precision, optimized: bundle.config.onnx.optimized } });
        }
        const { batchSize } = bestFixed;
        const value = await passesPerSecond(session, inputsOf(batchSize), minMs);
        results.push({ scenario, metric: `${variant} best batch size re-measured pairs/s`, value, unit: 'pairs/s', detail: { batchSize, firstRun: bestFixed.value, seconds: minMs / 1000 } });
        if (agreement >= MIN_AGREEMENT && value > best.value) best = { value, variant, batchSize };
        if (value > fastest.value) fastest = { value, variant, batchSize, agreement };
        const adaptive = await adaptiveRun(session, encoded, bundle.config.padId, 2 * minMs);
        results.push({ scenario, metric: `${variant} adaptive batch size pairs/s`, value: adaptive.pairsPerSecond, unit: 'pairs/s', detail: { ...adaptive, ofBestFixed: Number((adaptive.pairsPerSecond / value).toFixed(3)) } });
      } finally {
        await session.close();
      }
    }
    const cardAfter = await cardWay(join(root, 'checkpoint'), pairsFile, minMs / 1000);
    results.push({ scenario, metric: 'card\'s way again, after relstream\'s runs, pairs/s', value: cardAfter.pairsPerSecond, unit: 'pairs/s', detail: { ...cardAfter, pairs: pairs.length } });
    const cardRate = (card.pairsPerSecond + cardAfter.pairsPerSecond) / 2;
    const against = { cardWayPairsPerSecond: cardRate, cardWayRuns: [card.pairsPerSecond, cardAfter.pairsPerSecond] };
    results.push({ scenario, metric: `best relstream (agreement ≥ ${MIN_AGREEMENT}) / card's way`, value: best.value / cardRate, unit: 'x', detail: { ...best, ...against } });
    results.push({ scenario, metric: 'fastest relstream, any agreement / card\'s way', value: fastest.value / cardRate, unit: 'x', detail: { ...fastest, ...against } });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return results;
}
