/**
 * An ONNX Runtime session over model.onnx, on CUDA or CPU. If CUDA is asked for and cannot load, the
 * configured policy decides: 'fail' stops start-up, 'cpu' falls back loudly (log + `provider` says so).
 * `run` blocks the calling thread (onnxruntime-node's session.run is synchronous in native code, an open
 * upstream issue): the processor calls it from worker threads.
 */
import ort from 'onnxruntime-node';

import { RelstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { BatchInputs } from './batch-tensors.js';

export type ExecutionProvider = 'cuda' | 'cpu';
export type CudaFallback = 'fail' | 'cpu';

export interface SessionOptions {
  readonly provider: ExecutionProvider;
  readonly cudaDeviceId?: number;
  readonly cudaFallback?: CudaFallback;
  /** Threads for one operator on CPU; 0 lets ONNX Runtime choose. */
  readonly intraOpThreads?: number;
  /** ONNX Runtime's exact u8u8 int8 kernels instead of the fast u8s8 ones that saturate without VNNI (./cpu-features.ts). */
  readonly exactInt8?: boolean;
}

export interface ModelSession {
  /** The provider that really runs, after any fallback. */
  readonly provider: ExecutionProvider;
  readonly numLabels: number;
  /** logits [batchSize * numLabels], row-major. */
  run(batch: BatchInputs): Promise<Float32Array>;
  close(): Promise<void>;
}

const INPUT_NAMES = ['input_ids', 'attention_mask', 'token_type_ids', 'span_idxs'] as const;

/** The options a session is created with (exported for the tests that run them: a masked CPU, the fusions left out). */
export function ortSessionOptions(provider: ExecutionProvider, options: SessionOptions): ort.InferenceSession.SessionOptions {
  if (provider === 'cuda') {
    return { executionProviders: [{ name: 'cuda', deviceId: options.cudaDeviceId ?? 0 }], graphOptimizationLevel: 'all', ...threads(options) };
  }
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...threads(options),
    // onnxruntime_session_options_config_keys.h; nested keys join with '.'.
    extra: {
      // kOrtSessionOptionsAvx2PrecisionMode.
      ...(options.exactInt8 ? { session: { x64quantprecision: '1' } } : {}),
      // kOrtSessionOptionsDisableSpecifiedOptimizers (names split on ';', not ','): ONNX Runtime's CPU
      // SkipLayerNormalization sums each row in one scalar chain and divides per element (contrib_ops/cpu/
      // skip_layer_norm.cc), ~5x the time per element of Add + LayerNormalization; fused, it was a fifth of the
      // full-size int8 graph's time on Zen 5 (models/ort_op_profile.py). Exports leave it unfused for CPU
      // (models/relstream_model/onnx_export.py); CUDA's fused kernel is fast, so CUDA sessions still fuse.
      optimization: { disable_specified_optimizers: CPU_DISABLED_FUSIONS.join(';') },
    },
  };
}

/** Fusions a CPU session is told not to make (see ortSessionOptions). */
export const CPU_DISABLED_FUSIONS: readonly string[] = ['SkipLayerNormFusion'];

const threads = (options: SessionOptions): { intraOpNumThreads?: number } =>
  options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {};

async function createSession(onnxPath: string, provider: ExecutionProvider, options: SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnxPath, ortSessionOptions(provider, options));
}

export async function openModelSession(onnxPath: string, numLabels: number, options: SessionOptions, logger: Logger): Promise<ModelSession> {
  let provider = options.provider;
  let session: ort.InferenceSession;
  try {
    session = await createSession(onnxPath, provider, options);
  } catch (error) {
    if (provider !== 'cuda') {
      throw new RelstreamError('RELSTREAM_MODEL_SESSION', `cannot load ${onnxPath}: ${(error as Error).message}`, { cause: error });
    }
    const message = `CUDA execution provider unavailable: ${(error as Error).message}`;
    if ((options.cudaFallback ?? 'fail') === 'fail') {
      throw new RelstreamError('RELSTREAM_MODEL_PROVIDER_UNAVAILABLE', `${message} (set the CUDA fallback to "cpu" to run on CPU instead)`, { cause: error });
    }
    logger.warn('falling back to the CPU execution provider', { reason: message });
    provider = 'cpu';
    session = await createSession(onnxPath, provider, options).catch((cpuError: unknown) => {
      throw new RelstreamError('RELSTREAM_MODEL_SESSION', `cannot load ${onnxPath}: ${(cpuError as Error).message}`, { cause: cpuError });
    });
  }
  const missing = INPUT_NAMES.filter((name) => !session.inputNames.includes(name));
  if (missing.length > 0 || !session.outputNames.includes('logits')) {
    await session.release();
    throw new RelstreamError('RELSTREAM_MODEL_SESSION', `${onnxPath} must take ${INPUT_NAMES.join(', ')} and return logits; missing ${[...missing, 'logits'].join(', ')}`);
  }

  return {
    provider,
    numLabels,
    run: async (batch) => {
      const shape = [batch.batchSize, batch.sequenceLength];
      const feeds = {
        input_ids: new ort.Tensor('int64', batch.inputIds, shape),
        attention_mask: new ort.Tensor('int64', batch.attentionMask, shape),
        token_type_ids: new ort.Tensor('int64', batch.tokenTypeIds, shape),
        span_idxs: new ort.Tensor('int64', batch.spanIdxs, [batch.batchSize, 4]),
      };
      let output: ort.InferenceSession.ReturnType;
      try {
        output = await session.run(feeds);
      } catch (error) {
        throw new RelstreamError('RELSTREAM_MODEL_SESSION', `inference failed: ${(error as Error).message}`, { cause: error, retriable: true });
      }
      const logits = output['logits'];
      if (!logits || !(logits.data instanceof Float32Array) || logits.data.length !== batch.batchSize * numLabels) {
        throw new RelstreamError('RELSTREAM_MODEL_SESSION', `model returned logits of shape [${logits?.dims.join(', ') ?? ''}], expected [${batch.batchSize}, ${numLabels}] (labels in relstream-model.json)`);
      }
      return logits.data;
    },
    close: () => session.release(),
  };
}
