/**
 * Encoder micro-benchmark: pairs/s of the splice encoder (tokenize each sentence once, splice marker ids in
 * per pair) against encoding each pair's marked text from scratch, on sentences with 4-12 entities.
 */
import { encodePairFromScratch } from '../src/encoding/reference-encoder.js';
import { SpliceEncoder } from '../src/encoding/splice-encoder.js';
import { loadModelDir, type ModelBundle } from '../src/model/model-dir.js';
import { candidatePairs } from '../src/pairs/candidate-pairs.js';
import { pairRulesFor } from '../src/pairs/pair-rules.js';
import { createWordTokenizer } from '../src/model/word-tokenizer.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResult } from './report.js';
import { benchSentences } from './sentences.js';

function measure(work: () => number, minMs: number): { perSecond: number; units: number; ms: number } {
  work(); // warm-up: JIT and caches as in steady state
  let units = 0;
  const started = performance.now();
  while (performance.now() - started < minMs) units += work();
  const ms = performance.now() - started;
  return { perSecond: (units / ms) * 1000, units, ms };
}

export async function encoderBench(modelDir: string, minMs = 3000): Promise<BenchResult[]> {
  const loaded = await loadModelDir(modelDir);
  // A fresh word cache per run, so the splice encoder is measured tokenizing each new sentence's words.
  const tokenizerJson: unknown = JSON.parse(await readFile(join(modelDir, 'tokenizer.json'), 'utf8'));
  const fresh = (): ModelBundle => ({ ...loaded, tokenizer: createWordTokenizer(tokenizerJson, {}, 1) });
  const rules = pairRulesFor(loaded);
  const sentences = benchSentences(200).map((s) => ({ ...s, pairs: candidatePairs(s.entities, rules).pairs }));
  const pairCount = sentences.reduce((n, s) => n + s.pairs.length, 0);

  const spliceRun = (encoder: SpliceEncoder) => (): number => {
    for (const s of sentences) {
      const sentence = encoder.sentence(s.text);
      for (const p of s.pairs) encoder.encode(sentence, p.subject, p.object);
    }
    return pairCount;
  };
  // Production setting: the bounded word cache persists across records, as words recur across trials.
  const spliced = measure(spliceRun(new SpliceEncoder(loaded)), minMs);
  // Worst case: a one-entry word cache, so every sentence's words are tokenized anew.
  const splicedCold = measure(spliceRun(new SpliceEncoder(fresh())), minMs);

  const scratchBundle = fresh();
  const scratch = measure(() => {
    for (const s of sentences) for (const p of s.pairs) encodePairFromScratch(scratchBundle, s.text, p.subject, p.object);
    return pairCount;
  }, minMs);

  const detail = { model: loaded.config.name, sentences: sentences.length, pairs: pairCount, entitiesPerSentence: '4-12' };
  return [
    { scenario: 'encoder', metric: 'splice pairs/s', value: spliced.perSecond, unit: 'pairs/s', detail },
    { scenario: 'encoder', metric: 'splice, no word cache pairs/s', value: splicedCold.perSecond, unit: 'pairs/s', detail },
    { scenario: 'encoder', metric: 'from-scratch pairs/s', value: scratch.perSecond, unit: 'pairs/s', detail },
    { scenario: 'encoder', metric: 'speed-up', value: spliced.perSecond / scratch.perSecond, unit: 'x', detail: { target: '>= 10' } },
    { scenario: 'encoder', metric: 'speed-up, no word cache', value: splicedCold.perSecond / scratch.perSecond, unit: 'x', detail },
  ];
}
