import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { RelstreamError } from '../../../src/errors.js';
import { startInferencePool } from '../../../src/inference/inference-pool.js';
import { tinyModelDir } from '../../helpers/model.js';

describe('inference pool', () => {
  it('an error in a worker arrives as a RelstreamError with its code, retriable flag and cause', async () => {
    const failed = await startInferencePool({ onnxPath: join(tinyModelDir, 'no-such-model.onnx'), numLabels: 8, session: { provider: 'cpu', cudaDeviceId: 0, cudaFallback: 'fail', intraOpThreads: 1 } }, 1)
      .then(() => undefined, (error: unknown) => error);
    assert.ok(failed instanceof RelstreamError, String(failed));
    assert.match(failed.code, /^RELSTREAM_MODEL_/);
    assert.equal(failed.retriable, false);
    assert.ok(failed.cause instanceof Error, 'the worker-side error is kept as the cause');
    assert.match(failed.cause.message, /no-such-model|load|file/i);
  });
});
