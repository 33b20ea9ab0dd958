import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { openModelSession } from '../../../src/inference/model-session.js';
import { createLogger, silentLogger } from '../../../src/observability/logger.js';
import { tinyModelDir } from '../../helpers/model.js';
import { join } from 'node:path';

const onnx = join(tinyModelDir, 'model.onnx');
// This machine's onnxruntime-node has no CUDA provider installed (npm ci skips it): CUDA cannot load here.
describe('execution provider policy (no CUDA provider installed)', () => {
  it('fails at start with a typed error when CUDA is required', async () => {
    await assert.rejects(openModelSession(onnx, 8, { provider: 'cuda', cudaFallback: 'fail' }, silentLogger), { code: 'RELSTREAM_MODEL_PROVIDER_UNAVAILABLE' });
  });

  it('falls back to CPU loudly when allowed, and reports the provider that really runs', async () => {
    const lines: string[] = [];
    const session = await openModelSession(onnx, 8, { provider: 'cuda', cudaFallback: 'cpu' }, createLogger({ write: (l) => lines.push(l) }));
    try {
      assert.equal(session.provider, 'cpu');
      assert.ok(lines.some((l) => l.includes('falling back to the CPU execution provider')));
    } finally {
      await session.close();
    }
  });

  it('rejects a label count that does not match the model output', async () => {
    const session = await openModelSession(onnx, 5, { provider: 'cpu' }, silentLogger);
    try {
      const batch = { batchSize: 1, sequenceLength: 4, inputIds: BigInt64Array.from([2n, 5n, 6n, 3n]), attentionMask: BigInt64Array.from([1n, 1n, 1n, 1n]), tokenTypeIds: new BigInt64Array(4), spanIdxs: BigInt64Array.from([1n, 1n, 2n, 2n]) };
      await assert.rejects(session.run(batch), { code: 'RELSTREAM_MODEL_SESSION' });
    } finally {
      await session.close();
    }
  });
});
