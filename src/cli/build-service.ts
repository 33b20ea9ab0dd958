/**
 * The one place the parts are built and wired: model, inference pool (warmed), Kafka client, producer,
 * consumer, sink, batch runner, micro-batcher, processor, HTTP server. Every part gets built objects and the
 * config keys it reads; nothing is optional or filled in later. Shutdown runs in a fixed order (stop fetching,
 * finish or abandon batches, commit, leave the group, close the producer, the sessions and the HTTP server),
 * each step on its own, safe to call twice.
 */
import { isAbsolute, join } from 'node:path';

import { Registry } from 'prom-client';

import { BatchSizeController } from '../batching/batch-size-controller.js';
import { MicroBatcher } from '../batching/micro-batcher.js';
import { Assignments } from '../commit/assignments.js';
import { Committer } from '../commit/committer.js';
import { ProgressWatchdog, type PartitionLag } from '../commit/progress-watchdog.js';
import { envName } from '../config/load-config.js';
import { redactConfig } from '../config/redact.js';
import type { Config } from '../config/schema.js';
import { ConfigError, describeError, RelstreamError } from '../errors.js';
import { startOpsServer, type OpsServer } from '../http/ops-server.js';
import { startInferencePool, type InferencePool } from '../inference/inference-pool.js';
import { describeCpu, exactInt8Kernels, readCpuFeatures } from '../inference/cpu-features.js';
import { cpuBudget, intraOpThreadsFor } from '../inference/cpu-threads.js';
import { runSelfCheck } from '../inference/self-check.js';
import { FENCES_ZOMBIES } from '../kafka/client-kinds.js';
import { fetchSizes, kafkaClientFromConfig } from '../kafka/connection-from-config.js';
import { assertTopicsExist } from '../kafka/topics.js';
import type { GroupProtocol } from '../kafka/client-kinds.js';
import { startClusterProbe } from '../kafka/cluster-probe.js';
import { resolveGroupProtocol } from '../kafka/group-protocol.js';
import { KafkaConnectivity } from '../kafka/connectivity.js';
import type { KafkaAdmin, KafkaClient, ProducerOptions } from '../kafka/types.js';
import { loadModelDir, type ModelBundle } from '../model/model-dir.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { packageRoot, packageVersion } from '../paths.js';
import { atLeastOnceSink } from '../publish/at-least-once-sink.js';
import type { Sink } from '../publish/sink.js';
import { transactionalSink } from '../publish/transactional-sink.js';
import { avroType, trialRecordCodec, type RecordDecoder, type TrialRecord } from '../records/avro.js';
import type { SchemaRegistryClient } from '../registry/registry-client.js';
import { PLAIN_AVRO_SCHEMAS, RegistryDecoder, type WriterSchemas, type WriterSchemaTexts } from '../registry/registry-codecs.js';
import { registerRelationEvent, registryClientFromConfig } from '../registry/registry-from-config.js';
import { createBatchRunner } from '../processor/batch-runner.js';
import type { PairJob } from '../processor/pair-job.js';
import { createProcessor, type Processor } from '../processor/processor.js';
import { inThreadIntake, startIntakePool, type IntakeService } from '../processor/intake-service.js';
import { RecordIntake, type IntakeConfig } from '../processor/record-intake.js';
import { EventParts, EventSplice } from '../publish/event-bytes.js';
import { modelIdentity } from '../publish/relation-event.js';
import { frame } from '../registry/wire-format.js';

export interface Service {
  readonly metrics: Metrics;
  readonly registry: Registry;
  readonly httpPort: number;
  readonly provider: string;
  stop(): Promise<void>;
  /** Resolves with the error when a fatal error stopped the service. */
  readonly fatal: Promise<unknown>;
}

async function loadBundle(config: Pick<Config, 'modelDir'>): Promise<ModelBundle> {
  const modelDir = isAbsolute(config.modelDir) ? config.modelDir : join(process.cwd(), config.modelDir);
  return loadModelDir(modelDir).catch(async (error: unknown) => {
    // The default path is relative to the package, so `relstream run` works from any directory.
    if (config.modelDir !== 'models/tiny-re-ct') throw error;
    return loadModelDir(join(packageRoot, config.modelDir));
  });
}

async function warmedPool(config: Config, bundle: ModelBundle, logger: Logger): Promise<InferencePool> {
  const cpu = readCpuFeatures();
  const exactInt8 = exactInt8Kernels(config.int8Kernels, cpu);
  if (bundle.config.onnx.precision === 'int8' && config.executionProvider === 'cpu') {
    logger.info(`int8 kernels: ${exactInt8 ? 'exact (u8u8)' : 'fast (u8s8)'}`, { int8Kernels: config.int8Kernels, cpu: describeCpu(cpu) });
  }
  const budget = cpuBudget();
  const intraOpThreads = intraOpThreadsFor(config.intraOpThreads, config.inferenceConcurrency, budget);
  if (config.intraOpThreads === 0 && intraOpThreads !== undefined) {
    logger.info('inference threads sized to the CPUs this process may use (a CPU quota or affinity mask)', { intraOpThreads, sessions: config.inferenceConcurrency, ...budget });
  }
  const pool = await startInferencePool({
    onnxPath: bundle.onnxPath, numLabels: bundle.config.labels.length, padId: bundle.config.padId,
    session: { provider: config.executionProvider, cudaDeviceId: config.cudaDeviceId, cudaFallback: config.cudaFallback, ...(intraOpThreads === undefined ? {} : { intraOpThreads }), exactInt8 },
  }, config.inferenceConcurrency);
  if (pool.provider === 'cpu' && bundle.fusesSkipLayerNorm) {
    logger.warn('the model fuses SkipLayerNormalization, whose CPU kernel is slow: export it again for CPU (export.py --optimize without --fp16) for about 1.2x on full-size int8', { model: bundle.config.name, precision: bundle.config.onnx.precision });
  }
  // Warm-up: the first run allocates and (on CUDA) compiles kernels; readiness waits for it.
  const warm = bundle.tokenizer;
  await pool.run([{ inputIds: Int32Array.from([warm.clsId, warm.sepId, warm.sepId, warm.sepId, warm.sepId]), spanIdxs: [1, 2, 3, 4] }]);
  return pool;
}

/** The start-up self-check (../inference/self-check.ts): logged and exported; below its tolerances, refused unless allowed. */
async function checkModel(config: Config, bundle: ModelBundle, pool: InferencePool, metrics: Metrics, logger: Logger): Promise<void> {
  if (bundle.selfCheck === undefined) {
    logger.info('the model directory carries no self-check pairs (exported before they existed): not checked here', { model: bundle.config.name });
    return;
  }
  const result = await runSelfCheck((pairs) => pool.run(pairs), bundle.selfCheck);
  metrics.selfCheckAgreement.set(result.argmaxAgreement);
  metrics.selfCheckMaxDifference.set(result.maxAbsLogitDifference);
  metrics.selfCheckPassed.set(result.passed ? 1 : 0);
  const where = pool.provider === 'cuda' ? `the CUDA provider on GPU ${config.cudaDeviceId}` : `the CPU provider on ${describeCpu()}`;
  const figures = {
    pairs: result.pairs, argmaxAgreement: result.argmaxAgreement, maxAbsLogitDifference: result.maxAbsLogitDifference, ms: Math.round(result.ms),
    minArgmaxAgreement: bundle.selfCheck.minArgmaxAgreement, allowedDifference: bundle.selfCheck.maxAbsLogitDifference, provider: where,
  };
  if (result.passed) {
    logger.info('model self-check passed', figures);
    return;
  }
  const found = `argmax agreement ${result.argmaxAgreement.toFixed(4)} (at least ${bundle.selfCheck.minArgmaxAgreement}) and largest logit difference ${result.maxAbsLogitDifference.toPrecision(3)} (at most ${bundle.selfCheck.maxAbsLogitDifference}) on ${result.pairs} reference pairs`;
  if (config.allowDegradedModel) {
    logger.warn('model self-check failed; running it anyway (allowDegradedModel)', figures);
    return;
  }
  throw new RelstreamError('RELSTREAM_MODEL_SELF_CHECK', `${bundle.config.name} computes something else here than where it was exported: ${found}, with ${where}, ${bundle.config.onnx.precision}. Export it for this machine (another precision or provider), or set allowDegradedModel=true (RELSTREAM_ALLOW_DEGRADED_MODEL) to run it anyway`);
}

function producerOptions(config: Config): ProducerOptions {
  return config.deliveryGuarantee === 'at-least-once'
    ? { idempotent: true }
    : { transactionalId: config.transactionalId, transactionTimeoutMs: 60_000 };
}

interface SinkParts {
  readonly sink: Sink;
  readonly admin?: KafkaAdmin;
}

async function buildSink(config: Config, client: KafkaClient, consumer: Parameters<typeof atLeastOnceSink>[0]['consumer'], common: {
  metrics: Metrics; logger: Logger; connectivity: KafkaConnectivity; signal: AbortSignal;
}): Promise<SinkParts> {
  const newProducer = () => client.producer(producerOptions(config));
  if (config.deliveryGuarantee === 'at-least-once') {
    return { sink: atLeastOnceSink({ config, producer: await newProducer(), consumer, ...common }) };
  }
  if (!FENCES_ZOMBIES[config.kafkaClient]) {
    common.logger.warn('exactly-once is not fenced across rebalances with this Kafka client: a member that lost its partitions can still commit one transaction for them, so read_committed readers may see duplicates after a rebalance; kafkaClient=platformatic (the default) fences them', { kafkaClient: config.kafkaClient });
  }
  const admin = await client.admin();
  return { sink: transactionalSink({ config, producer: await newProducer(), newProducer, admin, ...common }), admin };
}

export interface PipelineDeps {
  readonly config: Config;
  readonly client: KafkaClient;
  /** A client that does not retry, for the reachability probe (../kafka/cluster-probe.ts). */
  readonly probeClient: KafkaClient;
  readonly bundle: ModelBundle;
  readonly pool: InferencePool;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Spans per record and batch; undefined when tracing is off. */
  readonly tracing?: Tracing | undefined;
  readonly onFatal: (error: unknown) => void;
}

export interface Pipeline {
  readonly processor: Processor;
  readonly watchdog: ProgressWatchdog;
  /** Starts the processor, then the watchdog's checks (every quarter of stallTimeoutMs). */
  start(): Promise<void>;
  /** Stops the processor (drain, commit, leave, close the producer) and closes the admin client; safe to call twice. */
  close(): Promise<void>;
}

/** The committed offsets and ends of a topic's partitions, for the watchdog. */
function lagReader(admin: KafkaAdmin, groupId: string): (topic: string) => Promise<PartitionLag[]> {
  return async (topic) => {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchCommittedOffsets(groupId, topic)]);
    const byPartition = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
    return ends.map((e) => {
      const at = byPartition.get(e.partition) ?? -1n;
      return { partition: e.partition, committed: at >= 0n ? at : BigInt(e.low), high: BigInt(e.high) };
    });
  };
}

const PROBE_INTERVAL_MS = 2000;

/**
 * How input values are read (inputFormat): plain Avro, or framed with the writer schema fetched by id; the
 * processor loads a framed value's schema before admitting it, and intake workers get its text (`framed`).
 */
interface InputDecoding {
  readonly decoder: RecordDecoder<TrialRecord>;
  readonly schemas: WriterSchemas;
  readonly framed?: WriterSchemaTexts;
}

function inputDecoding(config: Config, registry: SchemaRegistryClient | undefined): InputDecoding {
  if (config.inputFormat === 'avro') return { decoder: trialRecordCodec(), schemas: PLAIN_AVRO_SCHEMAS };
  // The configuration's cross-field check makes this unreachable; kept so the types say so.
  if (registry === undefined) throw new ConfigError(envName('schemaRegistryUrl'), 'required when inputFormat is confluent');
  const decoder = new RegistryDecoder<TrialRecord>('TrialRecord', registry);
  return { decoder, schemas: decoder, framed: decoder };
}

/**
 * Intake in worker threads (intakeWorkers; auto: the CPUs this process may use left over by the main thread and
 * inference, up to 4), or on the main thread with intakeWorkers=0.
 */
async function intakeService(config: Config, bundle: ModelBundle, input: InputDecoding, provider: string, logger: Logger): Promise<IntakeService> {
  const model = modelIdentity(bundle.config);
  const workers = config.intakeWorkers === 'auto' ? Math.max(1, Math.min(4, cpuBudget().available - 1 - config.inferenceConcurrency)) : Number(config.intakeWorkers);
  if (workers === 0) return inThreadIntake(new RecordIntake(config, bundle, input.decoder, new EventParts(avroType('RelationEvent'), model, provider)));
  const intakeConfig: IntakeConfig = {
    maxTextLength: config.maxTextLength, maxEntitiesPerRecord: config.maxEntitiesPerRecord, maxPairsPerRecord: config.maxPairsPerRecord,
    defaultLanguage: config.defaultLanguage, maxMetadataBytes: config.maxMetadataBytes,
  };
  const service = await startIntakePool({ modelDir: bundle.dir, config: intakeConfig, model, provider }, workers, input.framed);
  logger.info('intake runs in worker threads', { workers, inputFormat: config.inputFormat });
  return service;
}

/** Everything between the Kafka client and the inference pool, built and wired; the processor is not started. */
export async function buildPipeline(deps: PipelineDeps): Promise<Pipeline> {
  const { config, client, bundle, pool, metrics, logger, onFatal } = deps;
  const tracing = deps.tracing === undefined ? {} : { tracing: deps.tracing };
  const retries = new AbortController();
  const connectivity = new KafkaConnectivity({
    toleranceMs: config.kafkaOutageToleranceMs,
    onChange: (reachable, error) => {
      metrics.kafkaReachable.set(reachable ? 1 : 0);
      if (reachable) logger.info('Kafka reachable again');
      else logger.warn('Kafka unreachable; retrying with backoff', { toleranceMs: config.kafkaOutageToleranceMs, error: error ? describeError(error) : undefined });
    },
  });
  metrics.kafkaReachable.set(1);
  const probeAdmin = await deps.probeClient.admin();
  try {
    await assertTopicsExist(probeAdmin, config);
  } catch (error) {
    await probeAdmin.disconnect().catch(() => undefined);
    throw error;
  }
  let groupProtocol: GroupProtocol;
  try {
    groupProtocol = await resolveGroupProtocol(config.groupProtocol, config.kafkaClient, probeAdmin);
  } catch (error) {
    await probeAdmin.disconnect().catch(() => undefined);
    throw error;
  }
  logger.info('consumer group protocol', { groupProtocol, setting: config.groupProtocol });
  const probe = startClusterProbe(probeAdmin, connectivity, PROBE_INTERVAL_MS);
  // What this build has opened, closed in reverse if a later step fails (a refused schema, a sink that does not
  // start): the caller gets the error with no probe timer, consumer, registry agent or intake worker left running.
  const opened: (() => Promise<void> | void)[] = [() => probe.stop()];
  const open = async () => {
    const consumer = await client.consumer({
      groupId: config.groupId, groupProtocol, sessionTimeoutMs: config.sessionTimeoutMs, heartbeatIntervalMs: config.heartbeatIntervalMs,
      ...fetchSizes(config),
    });
    opened.push(() => consumer.disconnect());
    const registry = registryClientFromConfig(config);
    if (registry !== undefined) opened.push(() => { registry.close(); });
    // Framed for the registry: each value starts with the frame of the id the schema was registered under.
    const eventHeader = registry === undefined ? Buffer.alloc(0) : frame(await registerRelationEvent(registry, config.outputTopic, logger), Buffer.alloc(0));
    const input = inputDecoding(config, registry);
    const intake = await intakeService(config, bundle, input, pool.provider, logger);
    opened.push(() => intake.close());
    const { sink, admin } = await buildSink(config, client, consumer, { metrics, logger, connectivity, signal: retries.signal });
    return { consumer, registry, eventHeader, input, intake, sink, admin };
  };
  const { consumer, registry, eventHeader, input, intake, sink, admin } = await open().catch(async (error: unknown) => {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  });
  const splice = new EventSplice(avroType('RelationEvent'), eventHeader, bundle.config.labels);
  const sizes = config.batchSizeControl === 'adaptive' ? new BatchSizeController({ maxPairs: config.batchMaxPairs }) : undefined;
  const assignments = new Assignments();
  const runner = createBatchRunner({
    // Exactly-once stages output for its transaction, which sends it all at the commit: nothing to linger for.
    config: { minScore: config.minScore, outputLingerMs: config.deliveryGuarantee === 'exactly-once' ? 0 : config.outputLingerMs, outputBufferBytes: config.outputBufferBytes },
    bundle, pool, splice, metrics, sink, onFatal, ...tracing,
    finish: (acknowledged) => { assignments.finish(acknowledged); },
    onInferred: (pairs, seconds) => {
      if (!sizes) return;
      sizes.observe(pairs, seconds);
      batcher.setMaxPairs(sizes.size);
      metrics.batchTargetPairs.set(sizes.size);
    },
  });
  metrics.batchTargetPairs.set(config.batchMaxPairs);
  const batcher = new MicroBatcher<PairJob>({
    maxPairs: config.batchMaxPairs, maxTokens: config.batchMaxTokens, maxWaitMs: config.batchMaxWaitMs,
    concurrency: config.inferenceConcurrency, capacityPairs: config.queueMaxPairs, capacityTokens: config.queueMaxTokens,
    // A rebalance gives revokeTimeoutMs to finish what is in flight: the queue holds a quarter of it, whatever the
    // machine's speed, leaving the rest for the batches running, the records in intake and the last delivery.
    capacityMs: config.revokeTimeoutMs / 4,
    run: (jobs, queuedAt) => runner.run(jobs, queuedAt).finally(() => {
      metrics.queueCapacityPairs.set(batcher.capacity);
      metrics.queuedPairs.set(batcher.queuedPairs);
      metrics.queuedTokens.set(batcher.queuedTokens);
    }),
  });
  const committer = new Committer(assignments, sink);
  const processor = createProcessor({
    config, consumer, intake, schemas: input.schemas, batcher, runner, sink, assignments, committer, connectivity, metrics, logger, retries, onFatal, ...tracing,
  });
  const watchdog = new ProgressWatchdog({
    stallTimeoutMs: config.stallTimeoutMs, topics: [config.inputTopic], assignments, readLag: lagReader(probeAdmin, config.groupId), metrics, logger,
    holdingBack: () => processor.holdingBack(), heal: (state, committed) => processor.heal(state, committed), rejoin: () => { processor.rejoin(); },
    commitRunningSince: () => committer.runningSince,
  });
  let watching: NodeJS.Timeout | undefined;
  let checking = false;
  let closing: Promise<void> | undefined;
  return {
    processor,
    watchdog,
    async start() {
      await processor.start();
      watching = setInterval(() => {
        if (checking) return;
        checking = true;
        void watchdog.check().finally(() => { checking = false; });
      }, Math.max(10, Math.floor(config.stallTimeoutMs / 4)));
    },
    close: () => (closing ??= (async () => {
      clearInterval(watching);
      await processor.stop();
      await intake.close();
      await probe.stop();
      await admin?.disconnect().catch((error: unknown) => { logger.warn('shutdown: closing the admin client failed', { error: describeError(error) }); });
      registry?.close();
    })()),
  };
}

/**
 * Builds and starts the service. `stop` aborted during start-up (a SIGTERM while the model loads or the group is
 * joined) closes what was built so far once the step under way ends, and resolves undefined: a clean stop.
 */
export function startService(config: Config, logger: Logger): Promise<Service>;
export function startService(config: Config, logger: Logger, stop: AbortSignal): Promise<Service | undefined>;
export async function startService(config: Config, logger: Logger, stop?: AbortSignal): Promise<Service | undefined> {
  logger.info('configuration', { config: redactConfig(config) });
  // Read through a call: TS would keep the narrowing of an earlier check across the awaits.
  const aborted = (): boolean => stop?.aborted === true;
  const bundle = await loadBundle(config);
  if (aborted()) return undefined;
  if (bundle.config.capacityProbe) {
    if (!config.benchmark) throw new RelstreamError('RELSTREAM_MODEL_CAPACITY_PROBE', `${config.modelDir} is a capacity probe (export.py --null): its relations mean nothing. It runs only with benchmark=true (RELSTREAM_BENCHMARK), for the pipeline-ceiling benchmark`);
    logger.warn('running a capacity probe: its relations mean nothing (benchmark mode)', { model: bundle.config.name });
  } else if (bundle.config.demoOnly) logger.warn('running the tiny demo/test model: its relations are for demonstration only', { model: bundle.config.name });
  if (bundle.typesWithoutMarkers.length > 0) logger.warn('entity types without markers in tokenizer.json never form pairs', { types: bundle.typesWithoutMarkers });

  const registry = new Registry();
  const metrics = createMetrics(registry);
  const pool = await warmedPool(config, bundle, logger);
  if (aborted()) {
    await pool.close();
    return undefined;
  }
  await checkModel(config, bundle, pool, metrics, logger).catch(async (error: unknown) => {
    await pool.close();
    throw error;
  });
  metrics.modelInfo.set({ model: bundle.config.name, version: bundle.config.version, sha256: bundle.config.onnx.sha256.slice(0, 12), provider: pool.provider }, 1);
  logger.info('model ready', { model: bundle.config.name, version: bundle.config.version, provider: pool.provider, workers: config.inferenceConcurrency });

  let reportFatal: (error: unknown) => void = () => undefined;
  const fatal = new Promise<unknown>((resolve) => { reportFatal = resolve; });
  // Closed in reverse order of this list: the pipeline drains first, the HTTP server goes last but one.
  const closers: [string, () => Promise<unknown>][] = [['inference workers', () => pool.close()]];
  const closeAll = async (): Promise<void> => {
    for (const [name, close] of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn(`shutdown: closing the ${name} failed`, { error: describeError(error) });
      }
    }
  };
  try {
    const client = kafkaClientFromConfig(config, logger);
    const probeClient = kafkaClientFromConfig(config, silentLogger, { clientId: `${config.kafkaClientId}-probe`, retries: 0, connectionTimeoutMs: Math.min(config.kafkaConnectionTimeoutMs, 2000) });
    // The OpenTelemetry SDK and exporter (~4 MB of the main thread's heap, marked at every full collection) are
    // loaded only when tracing is on.
    const tracing = config.otlpTracesEndpoint === '' ? undefined : (await import('../observability/tracing.js')).createTracing({ config, metrics, serviceVersion: packageVersion() });
    if (tracing) {
      closers.push(['tracing', () => tracing.shutdown()]);
      logger.info('tracing on: spans exported over OTLP', { endpoint: config.otlpTracesEndpoint, sampleRatio: config.tracingSampleRatio });
    }
    const stopped = async (): Promise<boolean> => {
      if (!aborted()) return false;
      logger.info('stopped during start-up');
      await closeAll();
      return true;
    };
    const pipeline = await buildPipeline({ config, client, probeClient, bundle, pool, metrics, logger, tracing, onFatal: (error) => { reportFatal(error); } });
    closers.push(['processor', () => pipeline.close()]);
    if (await stopped()) return undefined;
    const http: OpsServer = await startOpsServer({
      host: config.httpHost, port: config.httpPort, registry, isReady: () => pipeline.processor.isReady(), health: () => pipeline.watchdog.reason,
    });
    // The HTTP server closes after the processor has drained (closers run in reverse).
    closers.splice(closers.length - 1, 0, ['http server', () => http.close()]);
    logger.info('http server listening', { port: http.port, endpoints: ['/metrics', '/healthz', '/readyz'] });
    await pipeline.start();
    if (await stopped()) return undefined;
    logger.info('processor started', { inputTopic: config.inputTopic, outputTopic: config.outputTopic, groupId: config.groupId, provider: pool.provider, delivery: config.deliveryGuarantee });
    let stopping: Promise<void> | undefined;
    return { metrics, registry, httpPort: http.port, provider: pool.provider, stop: () => (stopping ??= closeAll()), fatal };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
