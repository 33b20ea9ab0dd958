/**
 * What the full-size model benchmarks (CPU and GPU) share: the same encoded pairs of the benchmark sentences,
 * batched as the micro-batcher batches them under a backlog, handed to the Python reference tools in models/.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { SpliceEncoder, type EncodedPair } from '../src/encoding/splice-encoder.js';
import { padBatch, type BatchInputs } from '../src/inference/batch-tensors.js';
import type { ModelSession } from '../src/inference/model-session.js';
import { loadModelDir } from '../src/model/model-dir.js';
import { candidatePairs } from '../src/pairs/candidate-pairs.js';
import { pairRulesFor } from '../src/pairs/pair-rules.js';
import { packageRoot } from '../src/paths.js';
import { benchSentences } from './sentences.js';

export interface BenchPair {
  readonly text: string;
  readonly subject: { readonly start: number; readonly end: number; readonly type: string };
  readonly object: { readonly start: number; readonly end: number; readonly type: string };
  readonly encoded: EncodedPair;
}

/** The first `count` encodable candidate pairs of the benchmark sentences, one per sentence in turn. */
export async function benchPairs(modelDir: string, count: number, sentences = 200): Promise<BenchPair[]> {
  const bundle = await loadModelDir(modelDir);
  const encoder = new SpliceEncoder(bundle);
  const rules = pairRulesFor(bundle);
  const perSentence = benchSentences(sentences).map((s) => {
    const sentence = encoder.sentence(s.text);
    return candidatePairs(s.entities, rules).pairs.flatMap((p) => {
      const encoded = encoder.encode(sentence, p.subject, p.object);
      return encoded.ok ? [{ text: s.text, subject: p.subject, object: p.object, encoded: encoded.pair }] : [];
    });
  });
  // Round robin over sentences: a mix of lengths and pair kinds, as a stream of records gives.
  const out: BenchPair[] = [];
  for (let i = 0; out.length < count && perSentence.some((pairs) => i < pairs.length); i++) {
    for (const pairs of perSentence) {
      const pair = pairs[i];
      if (pair && out.length < count) out.push(pair);
    }
  }
  return out;
}

/** Batches as the micro-batcher forms them under a backlog: sorted by length, then cut. */
export function lengthBatches(pairs: readonly EncodedPair[], size: number): EncodedPair[][] {
  const sorted = [...pairs].sort((a, b) => a.inputIds.length - b.inputIds.length);
  const out: EncodedPair[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out;
}

/** Each pair's argmax label, run in these batches. */
export async function argmaxes(session: ModelSession, batches: readonly EncodedPair[][], padId: number, labels: number): Promise<Map<EncodedPair, number>> {
  const out = new Map<EncodedPair, number>();
  for (const batch of batches) {
    const logits = await session.run(padBatch(batch, padId));
    batch.forEach((pair, row) => {
      let best = 0;
      for (let l = 1; l < labels; l++) if ((logits[row * labels + l] ?? -Infinity) > (logits[row * labels + best] ?? -Infinity)) best = l;
      out.set(pair, best);
    });
  }
  return out;
}

/** Pairs per second over whole passes through `inputs` until `ms` have passed, so every length mix counts the same. */
export async function passesPerSecond(session: ModelSession, inputs: readonly BatchInputs[], ms: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (const input of inputs) {
      await session.run(input);
      done += input.batchSize;
    }
  }
  return (done / (performance.now() - started)) * 1000;
}

/** The pairs as JSON lines for the Python tools: the text and spans, and the ids and spans relstream encoded. */
export async function writePairsFile(dir: string, pairs: readonly BenchPair[]): Promise<string> {
  const file = join(dir, 'pairs.jsonl');
  await writeFile(file, pairs.map((p) => JSON.stringify({ text: p.text, subject: p.subject, object: p.object, input_ids: [...p.encoded.inputIds], span_idxs: p.encoded.spanIdxs })).join('\n'));
  return file;
}

/**
 * Runs a script of models/ and parses the JSON line it prints last. The interpreter: RELSTREAM_BENCH_PYTHON
 * (a GPU host's own PyTorch) or models/.venv (scripts/setup-python.sh).
 */
export function runPythonTool<T>(script: string, args: readonly string[]): Promise<T> {
  const python = process.env['RELSTREAM_BENCH_PYTHON'] ?? join(packageRoot, 'models', '.venv', 'bin', 'python');
  if (python.includes('/') && !existsSync(python)) throw new Error(`${python} not found: run bash scripts/setup-python.sh first`);
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(packageRoot, 'models', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as T);
      else reject(new Error(`${script} exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}
