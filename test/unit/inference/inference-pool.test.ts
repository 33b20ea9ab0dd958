import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { RelstreamError } from '../../../src/errors.js';
import type { EncodedPair } from '../../../src/encoding/splice-encoder.js';
import { padBatch } from '../../../src/inference/batch-tensors.js';
import { startInferencePool } from '../../../src/inference/inference-pool.js';
import { openModelSession } from '../../../src/inference/model-session.js';
import { loadModelDir } from '../../../src/model/model-dir.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { parityFixture, tinyModelDir } from '../../helpers/model.js';

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - (b[i] ?? Number.NaN))), 0);
}

describe('inference pool', () => {
  it('an error in a worker arrives as a RelstreamError with its code, retriable flag and cause', async () => {
    const failed = await startInferencePool({ onnxPath: join(tinyModelDir, 'no-such-model.onnx'), numLabels: 8, padId: 0, session: { provider: 'cpu', cudaDeviceId: 0, cudaFallback: 'fail', intraOpThreads: 1 } }, 1)
      .then(() => undefined, (error: unknown) => error);
    assert.ok(failed instanceof RelstreamError, String(failed));
    assert.match(failed.code, /^RELSTREAM_MODEL_/);
    assert.equal(failed.retriable, false);
    assert.ok(failed.cause instanceof Error, 'the worker-side error is kept as the cause');
    assert.match(failed.cause.message, /no-such-model|load|file/i);
  });

  it('a batch sent as packed pairs through shared memory gives the logits of the session run on its padded tensors', async () => {
    const bundle = await loadModelDir(tinyModelDir);
    const labels = bundle.config.labels.length;
    const cases: EncodedPair[] = parityFixture().cases.flatMap((c) => (c.input_ids && c.span_idxs ? [{ inputIds: Int32Array.from(c.input_ids), spanIdxs: c.span_idxs }] : []));
    assert.ok(cases.length >= 4);
    // Batches of every shape in turn, shorter after longer (reused tensor memory must be zeroed), and one of
    // more pairs than the shared memory first holds (it grows).
    const short = cases.filter((c) => c.inputIds.length < 64);
    const longest = cases.reduce((a, b) => (b.inputIds.length > a.inputIds.length ? b : a));
    const batches = [short.slice(0, 1), [...short.slice(0, 5), longest], short.slice(1, 3), Array.from({ length: 800 }, (_, i) => short[i % short.length] as EncodedPair), short.slice(0, 2)];
    const session = await openModelSession(bundle.onnxPath, labels, { provider: 'cpu', intraOpThreads: 1 }, silentLogger);
    const pool = await startInferencePool({ onnxPath: bundle.onnxPath, numLabels: labels, padId: bundle.config.padId, session: { provider: 'cpu', cudaDeviceId: 0, cudaFallback: 'fail', intraOpThreads: 1 } }, 1);
    try {
      for (const pairs of batches) {
        const expected = await session.run(padBatch(pairs, bundle.config.padId));
        assert.ok(maxDifference(await pool.run(pairs), expected) <= 1e-5, `${pairs.length} pairs`);
      }
      // Batches sent to one worker at once, and more after the first answer: none may overwrite memory a batch
      // still in flight reads.
      const sent = [short.slice(0, 3), short.slice(2, 9), short.slice(1, 4)].map((pairs) => ({ pairs, logits: pool.run(pairs) }));
      await sent[0]?.logits;
      sent.push(...[short.slice(3, 8), short.slice(0, 6)].map((pairs) => ({ pairs, logits: pool.run(pairs) })));
      for (const { pairs, logits } of sent) assert.ok(maxDifference(await logits, await session.run(padBatch(pairs, bundle.config.padId))) <= 1e-5);
    } finally {
      await pool.close();
      await session.close();
    }
  });
});
