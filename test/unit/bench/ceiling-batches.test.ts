/** The ceiling's batching (bench/ceiling-batches.ts): the CUDA provider's batch defaults unless asked otherwise. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ceilingBatchEnv, parseCeilingBatches } from '../../../bench/ceiling-batches.js';
import { CUDA_DEFAULTS } from '../../../src/config/schema.js';

describe('ceiling batches', () => {
  it('gpu, the default, sets every CUDA batch default the environment leaves unset', () => {
    const env = ceilingBatchEnv(parseCeilingBatches(undefined), {});
    assert.deepEqual(env, { RELSTREAM_BATCH_MAX_PAIRS: CUDA_DEFAULTS.batchMaxPairs, RELSTREAM_BATCH_MAX_TOKENS: CUDA_DEFAULTS.batchMaxTokens, RELSTREAM_INFERENCE_CONCURRENCY: CUDA_DEFAULTS.inferenceConcurrency });
  });

  it('a setting in the environment wins', () => {
    const env = ceilingBatchEnv('gpu', { RELSTREAM_BATCH_MAX_PAIRS: '64' });
    assert.equal(env['RELSTREAM_BATCH_MAX_PAIRS'], undefined, 'left to the environment, which the run inherits');
    assert.equal(env['RELSTREAM_INFERENCE_CONCURRENCY'], CUDA_DEFAULTS.inferenceConcurrency);
  });

  it('cpu sets nothing; anything else is refused', () => {
    assert.deepEqual(ceilingBatchEnv(parseCeilingBatches('cpu'), {}), {});
    assert.throws(() => parseCeilingBatches('tpu'), /--ceiling-batches tpu/);
  });
});
