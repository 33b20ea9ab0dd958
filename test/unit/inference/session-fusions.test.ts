/**
 * The graph fusions a CPU session leaves out (src/inference/model-session.ts): onnxruntime-node really running
 * the session options on the probe graph models/tests/fusion_probe.py writes (Add, then LayerNormalization), the
 * graph it ran saved by ONNX Runtime and its operators read back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import ort from 'onnxruntime-node';

import { CPU_DISABLED_FUSIONS, ortSessionOptions } from '../../../src/inference/model-session.js';
import { packageRoot } from '../../../src/paths.js';

const PROBE = join(packageRoot, 'test/fixtures/skip-layer-norm-probe.onnx');

describe('fusions a CPU session leaves out', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'relstream-fusions-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  /** Whether the graph a session with these options runs has a SkipLayerNormalization (operator types are strings in the saved protobuf). */
  async function fusesSkipLayerNorm(options: ort.InferenceSession.SessionOptions, name: string): Promise<boolean> {
    const saved = join(dir, `${name}.onnx`);
    const session = await ort.InferenceSession.create(PROBE, { ...options, optimizedModelFilePath: saved, logSeverityLevel: 3 });
    await session.release();
    const bytes = (await readFile(saved)).toString('latin1');
    assert.ok(bytes.includes('LayerNormalization'), 'the saved graph is the probe');
    return bytes.includes('SkipLayerNormalization');
  }

  it('a CPU session runs Add and LayerNormalization apart, where ONNX Runtime alone fuses them', async () => {
    assert.deepEqual(CPU_DISABLED_FUSIONS, ['SkipLayerNormFusion']);
    assert.equal(await fusesSkipLayerNorm({ executionProviders: ['cpu'], graphOptimizationLevel: 'all' }, 'default'), true);
    assert.equal(await fusesSkipLayerNorm(ortSessionOptions('cpu', { provider: 'cpu' }), 'relstream'), false);
    assert.equal(await fusesSkipLayerNorm(ortSessionOptions('cpu', { provider: 'cpu', exactInt8: true, intraOpThreads: 1 }), 'exact'), false);
  });

  it('a CUDA session keeps every fusion: its fused kernel is the fast one', () => {
    assert.equal(ortSessionOptions('cuda', { provider: 'cuda' }).extra, undefined);
  });
});
