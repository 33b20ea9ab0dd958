/**
 * The TypeScript model core reproduces the PyTorch reference (models/tiny-re-ct/parity-fixture.json, made by
 * `python models/export.py --tiny`): identical input_ids and span_idxs from the splice encoder, and ONNX
 * Runtime logits within 1e-4 of PyTorch's, in both pooling modes.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { encodePairFromScratch } from '../../../src/encoding/reference-encoder.js';
import { SpliceEncoder, type EncodedPair } from '../../../src/encoding/splice-encoder.js';
import { padBatch } from '../../../src/inference/batch-tensors.js';
import { openModelSession } from '../../../src/inference/model-session.js';
import { loadModelDir, type ModelBundle } from '../../../src/model/model-dir.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { CodePointIndex } from '../../../src/pairs/code-points.js';
import type { SentenceEntity } from '../../../src/pairs/entities.js';
import { parityFixture, tinyModelDir, tinyStartMarkerDir, type FixtureCase, type FixtureEntity } from '../../helpers/model.js';

const { cases } = parityFixture();

function toSentenceEntity(c: FixtureCase, e: FixtureEntity, id: string): SentenceEntity {
  const index = new CodePointIndex(c.text);
  return { id, type: e.type, start: index.toUtf16(e.start) ?? -1, end: index.toUtf16(e.end) ?? -1, index: 0 };
}

function encodeCase(bundle: ModelBundle, c: FixtureCase): ReturnType<SpliceEncoder['encode']> {
  const encoder = new SpliceEncoder(bundle);
  return encoder.encode(encoder.sentence(c.text), toSentenceEntity(c, c.subject, 's'), toSentenceEntity(c, c.object, 'o'));
}

describe('parity with the PyTorch reference', () => {
  let spanMax: ModelBundle;
  let startMarker: ModelBundle;
  before(async () => {
    spanMax = await loadModelDir(tinyModelDir);
    startMarker = await loadModelDir(tinyStartMarkerDir);
  });

  it('the fixture covers what it must', () => {
    assert.ok(cases.length >= 40, `${cases.length} pairs`);
    for (const name of ['nested-subject-after-object', 'non-bmp', 'accents', 'near-512', 'over-512', 'mid-word-boundary', 'overlap']) {
      assert.ok(cases.some((c) => c.sentence === name), name);
    }
    assert.ok(cases.some((c) => c.skipped), 'a pair truncated away');
    assert.ok(cases.some((c) => !c.skipped && (c.input_ids?.length ?? 0) > 450), 'a pair near 512 tokens');
    assert.ok(cases.some((c) => c.subject.start > c.object.start), 'subject after object');
  });

  it('the splice encoder gives identical input_ids and span_idxs for every pair, and skips the truncated ones', () => {
    for (const c of cases) {
      const encoded = encodeCase(spanMax, c);
      const label = `${c.sentence}: ${c.subject.text} -> ${c.object.text}`;
      if (c.skipped) {
        assert.deepEqual(encoded, { ok: false, reason: 'truncated' }, label);
        continue;
      }
      assert.ok(encoded.ok, label);
      assert.deepEqual([...encoded.pair.inputIds], c.input_ids, label);
      assert.deepEqual(encoded.pair.spanIdxs, c.span_idxs, label);
    }
  });

  it('encoding the marked text from scratch agrees with the splice encoder (per-word tokenization holds)', () => {
    for (const c of cases) {
      const fromScratch = encodePairFromScratch(spanMax, c.text, toSentenceEntity(c, c.subject, 's'), toSentenceEntity(c, c.object, 'o'));
      assert.deepEqual(fromScratch, encodeCase(spanMax, c), `${c.sentence}: ${c.subject.text} -> ${c.object.text}`);
    }
  });

  for (const pooling of ['span-max', 'start-marker'] as const) {
    it(`ONNX Runtime logits match PyTorch within 1e-4 (${pooling}, one padded batch)`, async () => {
      const bundle = pooling === 'span-max' ? spanMax : startMarker;
      assert.equal(bundle.config.pooling, pooling);
      const session = await openModelSession(bundle.onnxPath, bundle.config.labels.length, { provider: 'cpu' }, silentLogger);
      try {
        const kept = cases.filter((c) => !c.skipped);
        const pairs = kept.map((c) => {
          const encoded = encodeCase(bundle, c);
          assert.ok(encoded.ok);
          return encoded.pair;
        });
        const logits = await session.run(padBatch(pairs, bundle.config.padId));
        const labels = bundle.config.labels.length;
        let worst = 0;
        kept.forEach((c, row) => {
          const expected = c.logits?.[pooling] ?? [];
          assert.equal(expected.length, labels);
          expected.forEach((value, j) => { worst = Math.max(worst, Math.abs((logits[row * labels + j] ?? NaN) - value)); });
        });
        assert.ok(worst <= 1e-4, `max abs difference ${worst}`);
      } finally {
        await session.close();
      }
    });
  }

  it('padding does not change a pair\'s logits (batched equals alone)', async () => {
    const session = await openModelSession(spanMax.onnxPath, 8, { provider: 'cpu' }, silentLogger);
    try {
      const pairs = cases.filter((c) => !c.skipped).slice(0, 6).map((c) => (encodeCase(spanMax, c) as { pair: EncodedPair }).pair);
      const together = await session.run(padBatch(pairs, spanMax.config.padId));
      for (const [row, pair] of pairs.entries()) {
        const alone = await session.run(padBatch([pair], spanMax.config.padId));
        for (let j = 0; j < 8; j++) assert.ok(Math.abs((alone[j] ?? NaN) - (together[row * 8 + j] ?? NaN)) < 1e-4);
      }
    } finally {
      await session.close();
    }
  });
});
