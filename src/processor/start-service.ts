/**
 * The one place the parts are wired: model, inference pool (warmed), Kafka client, processor, HTTP server;
 * and the shutdown in the fixed order (stop fetching, finish or abandon batches, commit, leave the group,
 * close the producer, the sessions and the HTTP server), safe to call twice.
 */
import { isAbsolute, join } from 'node:path';

import { Registry } from 'prom-client';

import type { Config } from '../config/schema.js';
import { describeError } from '../errors.js';
import { startOpsServer, type OpsServer } from '../http/ops-server.js';
import { padBatch } from '../inference/batch-tensors.js';
import { startInferencePool, type InferencePool } from '../inference/inference-pool.js';
import { createKafkaClient } from '../kafka/kafkajs-adapter.js';
import { kafkaConnection } from '../kafka/connection-from-config.js';
import { redactConfig } from '../config/redact.js';
import { loadModelDir } from '../model/model-dir.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { packageRoot } from '../paths.js';
import { createProcessor, type Processor } from './processor.js';

export interface Service {
  readonly metrics: Metrics;
  readonly registry: Registry;
  readonly httpPort: number;
  readonly provider: string;
  stop(): Promise<void>;
  /** Resolves with the error when a fatal error stopped the service. */
  readonly fatal: Promise<unknown>;
}

export async function startService(config: Config, logger: Logger): Promise<Service> {
  logger.info('configuration', { config: redactConfig(config) });
  const connection = kafkaConnection(config);
  const modelDir = isAbsolute(config.modelDir) ? config.modelDir : join(process.cwd(), config.modelDir);
  const bundle = await loadModelDir(modelDir).catch(async (error: unknown) => {
    // The default path is relative to the package, so `relstream run` works from any directory.
    if (config.modelDir !== 'models/tiny-re-ct') throw error;
    return loadModelDir(join(packageRoot, config.modelDir));
  });
  if (bundle.config.demoOnly) logger.warn('running the tiny demo/test model: its relations are for demonstration only', { model: bundle.config.name });
  if (bundle.typesWithoutMarkers.length > 0) logger.warn('entity types without markers in tokenizer.json never form pairs', { types: bundle.typesWithoutMarkers });

  const registry = new Registry();
  const metrics = createMetrics(registry);
  const pool: InferencePool = await startInferencePool({
    onnxPath: bundle.onnxPath, numLabels: bundle.config.labels.length,
    session: { provider: config.executionProvider, cudaDeviceId: config.cudaDeviceId, cudaFallback: config.cudaFallback, intraOpThreads: config.intraOpThreads },
  }, config.inferenceConcurrency);
  // Warm-up: the first run allocates and (on CUDA) compiles kernels; readiness waits for it.
  const warm = bundle.tokenizer;
  await pool.run(padBatch([{ inputIds: Int32Array.from([warm.clsId, warm.sepId, warm.sepId, warm.sepId, warm.sepId]), spanIdxs: [1, 2, 3, 4] }], bundle.config.padId));
  metrics.modelInfo.set({ model: bundle.config.name, version: bundle.config.version, sha256: bundle.config.onnx.sha256.slice(0, 12), provider: pool.provider }, 1);
  logger.info('model ready', { model: bundle.config.name, version: bundle.config.version, provider: pool.provider, workers: config.inferenceConcurrency });

  let reportFatal: (error: unknown) => void = () => undefined;
  const fatal = new Promise<unknown>((resolve) => { reportFatal = resolve; });
  const client = createKafkaClient(connection, logger);
  const processor: Processor = createProcessor({ config, client, bundle, pool, metrics, logger, onFatal: (error) => { reportFatal(error); } });
  const http: OpsServer = await startOpsServer({ host: config.httpHost, port: config.httpPort, registry, isReady: () => processor.isReady() });
  logger.info('http server listening', { port: http.port, endpoints: ['/metrics', '/healthz', '/readyz'] });
  try {
    await processor.start();
  } catch (error) {
    await http.close();
    await pool.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    for (const [name, close] of [['processor', () => processor.stop()], ['inference workers', () => pool.close()], ['http server', () => http.close()]] as const) {
      try {
        await close();
      } catch (error) {
        logger.warn(`shutdown: closing the ${name} failed`, { error: describeError(error) });
      }
    }
  })());
  return { metrics, registry, httpPort: http.port, provider: pool.provider, stop, fatal };
}
