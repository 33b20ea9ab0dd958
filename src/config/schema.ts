/**
 * Every configuration key, declared once: type, default, unit (in the name) and description. Values come
 * from env vars (RELSTREAM_KAFKA_BROKERS) and CLI flags (--kafka-brokers); docs/configuration.md lists
 * them and a test keeps that table in sync with this schema.
 */
import { z } from 'zod';

import { INT8_KERNELS } from '../inference/cpu-features.js';
import { DEFAULT_KAFKA_CLIENT, GROUP_PROTOCOLS, KAFKA_CLIENTS } from '../kafka/client-kinds.js';
import { isUsableLanguage } from '../pairs/language.js';

/** Env vars and flags are strings; a comma-separated list becomes an array. */
const stringList = (fallback: readonly string[]) => z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : value),
  z.array(z.string().min(1)).min(1).default([...fallback]),
);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
/** "true"/"false" from env vars and flags; z.coerce.boolean would read "false" as true. */
const flag = (fallback: boolean) => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean().default(fallback));

export const configSchema = z.object({
  kafkaClient: z.enum(KAFKA_CLIENTS).default(DEFAULT_KAFKA_CLIENT)
    .describe('Kafka client library: platformatic (@platformatic/kafka; in exactly-once mode it fences members that commit after their eviction) or kafkajs (not fenced across rebalances). docs/kafka-clients.md compares them.'),
  kafkaBrokers: stringList(['localhost:9092']).describe('Bootstrap brokers, comma-separated host:port.'),
  kafkaClientId: z.string().min(1).default('relstream').describe('Kafka client id, seen in broker logs and quotas.'),
  kafkaConnectionTimeoutMs: positiveInt(3000).describe('Timeout for opening a broker connection.'),
  kafkaRequestTimeoutMs: positiveInt(30_000).describe('Timeout for one Kafka request.'),
  kafkaTls: flag(false).describe('Connect to Kafka over TLS (system CAs unless kafkaTlsCaFile is set).'),
  kafkaTlsCaFile: z.string().default('').describe('PEM file of the CA(s) that sign the brokers\' certificates.'),
  kafkaTlsCertFile: z.string().default('').describe('PEM client certificate, for brokers that require mutual TLS.'),
  kafkaTlsKeyFile: z.string().default('').describe('PEM private key of kafkaTlsCertFile.'),
  kafkaTlsRejectUnauthorized: flag(true).describe('Verify the brokers\' certificates; false only for testing.'),
  kafkaSaslMechanism: z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']).default('none').describe('SASL mechanism for Kafka authentication.'),
  kafkaSaslUsername: z.string().default('').describe('SASL user name.'),
  kafkaSaslPassword: z.string().default('').describe('SASL password (secret: never logged). Prefer kafkaSaslPasswordFile.'),
  kafkaSaslPasswordFile: z.string().default('').describe('File holding the SASL password, e.g. a mounted Kubernetes Secret.'),
  schemaRegistryUrl: z.string().default('').describe('Schema Registry base URL (http or https). Set: relation events are written in the Confluent wire format with the RelationEvent schema registered under <outputTopic>-value at start. Empty: plain Avro, no registry.'),
  schemaRegistryUsername: z.string().default('').describe('Schema Registry basic-auth user name (empty: no authentication).'),
  schemaRegistryPassword: z.string().default('').describe('Schema Registry basic-auth password (secret: never logged). Prefer schemaRegistryPasswordFile.'),
  schemaRegistryPasswordFile: z.string().default('').describe('File holding the Schema Registry password, e.g. a mounted Kubernetes Secret.'),
  schemaRegistryCaFile: z.string().default('').describe('PEM CA bundle to verify an https Schema Registry with (default: the system CAs).'),
  schemaRegistryCertFile: z.string().default('').describe('PEM client certificate for mutual TLS to the Schema Registry (with schemaRegistryKeyFile).'),
  schemaRegistryKeyFile: z.string().default('').describe('PEM private key of schemaRegistryCertFile.'),
  schemaRegistryTimeoutMs: positiveInt(10_000).describe('Timeout of one Schema Registry request; a timed-out or failed request is retried with backoff.'),
  inputFormat: z.enum(['avro', 'confluent']).default('avro').describe('Input values: avro (plain Avro TrialRecord) or confluent (wire format: magic byte 0, 4-byte schema id, Avro; the writer schema is fetched from schemaRegistryUrl by id and resolved against TrialRecord).'),
  otlpTracesEndpoint: z.string().default('').describe('OTLP/HTTP traces endpoint (e.g. http://otel-collector:4318/v1/traces). Set: spans per record (process, send) and per micro-batch (infer) are exported there (docs/tracing.md); OTEL_EXPORTER_OTLP_TRACES_HEADERS adds headers. Empty: no tracing (trace headers are still carried through).'),
  tracingSampleRatio: z.coerce.number().min(0).max(1).default(1).describe('Share of new traces sampled (a record whose traceparent says sampled or not sampled follows it).'),
  inputTopic: z.string().min(1).default('trials.annotated').describe('Topic of annotated trial records (Avro TrialRecord).'),
  outputTopic: z.string().min(1).default('trials.relations').describe('Topic the relation events (Avro RelationEvent) go to.'),
  deadLetterTopic: z.string().min(1).default('trials.annotated.dlq').describe('Topic for records that cannot be processed, with the reason in headers.'),
  groupId: z.string().min(1).default('relstream').describe('Consumer group; start more processes with the same id to scale out.'),
  fromBeginning: flag(true).describe('A new group starts at the earliest offset (true) or the latest (false).'),
  groupProtocol: z.enum(GROUP_PROTOCOLS).default('auto')
    .describe('Consumer group protocol: consumer (KIP-848: the broker assigns, and only partitions that change owner are revoked; Kafka 4.0 or later and kafkaClient platformatic), classic (JoinGroup/SyncGroup; every partition is revoked at each rebalance), or auto (consumer where the client and the broker support it, else classic). Checked against the broker at start.'),
  sessionTimeoutMs: positiveInt(30_000).describe('Consumer group session timeout (classic protocol; under KIP-848 the broker\'s group.consumer.session.timeout.ms applies).'),
  revokeTimeoutMs: positiveInt(5000).describe('How long partitions given up in a rebalance (or at shutdown) may take to finish their in-flight records before what finished is committed; what is not finished by then goes to the next owner. The commit after it gets as long again.'),
  heartbeatIntervalMs: positiveInt(3000).describe('Consumer heartbeat interval; heartbeats continue during inference.'),
  commitIntervalMs: positiveInt(1000).describe('How often finished offsets are committed (exactly-once: how often a transaction commits, 100 unless set); a member with nothing committed for this long commits its next finished records at once.'),
  deliveryGuarantee: z.enum(['at-least-once', 'exactly-once']).default('at-least-once')
    .describe('exactly-once: events, dead letters and input offsets commit in one Kafka transaction; subscribers read with isolation.level=read_committed.'),
  transactionalId: z.string().default('').describe('Transactional id, required with exactly-once: stable per replica (e.g. the StatefulSet pod name), so a restarted replica fences its predecessor; two live replicas must never share one.'),
  transactionMaxStagedBytes: positiveInt(16 * 1024 * 1024).describe('Exactly-once: output bytes staged for the next transaction; when full, a transaction commits early and intake waits.'),
  stallTimeoutMs: positiveInt(120_000).describe('An owned partition with lag, nothing in flight and no delivery or commit for this long is stalled: counted, logged and read again from its committed offset (a member owning nothing while its topic has lag and no offset moves, or whose commit has been retrying this long while the cluster answers, joins the group again); stalled again after that, /healthz fails. Above the transaction timeout (60 s), which a new owner may wait out.'),
  kafkaOutageToleranceMs: positiveInt(300_000).describe('How long the Kafka cluster may stay unreachable (state kept, requests retried, /readyz false) before the process exits 1.'),
  maxMessageBytes: z.coerce.number().int().min(10_000).default(1_000_000).describe('Largest message and produce request; keep it at or below the brokers\' message.max.bytes. Bigger output goes to the dead-letter topic (output_too_large).'),
  maxMetadataBytes: nonNegativeInt(16_384).describe('Bytes of a record\'s metadata copied into each of its events; beyond it entries are left out and a relstream.metadata_truncated entry says so.'),
  modelDir: z.string().min(1).default('models/tiny-re-ct').describe('Model directory (model.onnx, tokenizer.json, relstream-model.json).'),
  allowDegradedModel: flag(false).describe('Run a model whose start-up self-check fails (its reference pairs, run here, differ from the exporting framework\'s logits past the tolerances in relstream-model.json): logged and exported as relstream_model_self_check_*, never silent.'),
  benchmark: flag(false).describe('Allow a capacity-probe model (export.py --null), whose relations mean nothing: for the pipeline-ceiling benchmark only.'),
  executionProvider: z.enum(['cpu', 'cuda']).default('cpu').describe('ONNX Runtime execution provider.'),
  cudaDeviceId: nonNegativeInt(0).describe('GPU index for the CUDA provider.'),
  cudaFallback: z.enum(['fail', 'cpu']).default('fail').describe('If CUDA cannot load: stop at start (fail) or run on CPU, loudly (cpu).'),
  int8Kernels: z.enum(INT8_KERNELS).default('auto')
    .describe('int8 models on CPU: ONNX Runtime\'s fast int8 kernels saturate on x86 CPUs without VNNI (AVX2, AVX-512 without VNNI) and can change predictions. auto: its exact kernels there (slower), the fast ones where VNNI makes them exact; exact or fast: always that kind.'),
  intraOpThreads: nonNegativeInt(0).describe('CPU threads per inference worker. 0: ONNX Runtime decides (the host\'s physical cores), except where a CPU quota (cgroup cpu.max) or affinity mask leaves this process fewer CPUs than the host has: then those CPUs shared among the inference workers.'),
  minScore: z.coerce.number().min(0).max(1).default(0.5).describe('Relations scoring below this are not emitted (the model has no "no relation" class).'),
  batchMaxPairs: positiveInt(32).describe('A batch closes at this many pairs (CUDA provider: 512 unless set).'),
  batchSizeControl: z.enum(['fixed', 'adaptive']).default('fixed').describe('fixed: batches fill to batchMaxPairs. adaptive: the batch size (up to batchMaxPairs) with the most pairs/s of inference is measured and followed online (relstream_batch_target_pairs): for models whose inference sets the pace (full-size); with a cheap model it costs throughput.'),
  batchMaxTokens: positiveInt(8192).describe('A batch closes when pairs x longest pair reaches this (padded tokens; CUDA provider: 32768 unless set).'),
  batchMaxWaitMs: nonNegativeInt(20).describe('A batch closes when its oldest pair has waited this long.'),
  outputLingerMs: nonNegativeInt(5).describe('At-least-once: finished records wait up to this long to share one produce request (Kafka producers\' linger.ms, 5 ms by default since Kafka 4.0); every produce request costs CPU, and with small batches one per batch was most of it. 0: each batch\'s records are sent at once. Exactly-once sends output at its commits and does not linger.'),
  outputBufferBytes: positiveInt(256 * 1024).describe('At-least-once: finished output (event bytes) that may wait while both deliveries are in flight before inference waits too, as a Kafka producer\'s buffer; also about the most one delivery carries, so what a broker outage may send twice. kafkajs: maxMessageBytes unless set (its idempotent producer has one request in flight, so the two deliveries queue; at 256 KiB it ran at 0.62x of the pairs/s on 2 cores).'),
  intakeWorkers: z.string().default('auto').refine((v) => v === 'auto' || /^\d{1,2}$/.test(v), 'auto, or a number of worker threads (0: the main thread)')
    .describe('Worker threads for intake (decode, validate, sentences, pairs, tokenize; each with its own tokenizer), so the main thread keeps Kafka I/O, admission and commits. auto: the cores left by the main thread and inference, 1 to 4. 0: intake on the main thread. Framed input (inputFormat=confluent) too: the main thread loads writer schemas from the registry and sends their text with the chunks that name them.'),
  inferenceConcurrency: positiveInt(1).describe('Inference worker threads, each with its own ONNX session; batches in flight at most (CUDA provider: 2 unless set).'),
  queueMaxPairs: positiveInt(4096).describe('Pairs waiting for inference; above it the consumer pauses its partitions (a record larger than the queue is admitted alone into an empty one). Fewer where a quarter of revokeTimeoutMs of work at the measured rate is less (relstream_queue_capacity_pairs), so a rebalance finishes what is in flight on a slow machine too.'),
  inFlightMaxBytes: positiveInt(16 * 1024 * 1024).describe('Input bytes of records admitted but not finished; above it the consumer pauses (one record is always admitted), so memory does not grow with record size.'),
  fetchMaxBytes: positiveInt(4 * 1024 * 1024).describe('Most bytes one fetch from the brokers returns (kafkajs maxBytes); what the consumer buffers ahead of intake.'),
  queueMaxTokens: positiveInt(262_144).describe('Tokens of the pairs waiting for inference; above it the consumer pauses its partitions.'),
  maxTextLength: positiveInt(100_000).describe('Longest record text in code points; longer records go to the dead-letter topic.'),
  maxEntitiesPerRecord: positiveInt(500).describe('Most entities per record; more go to the dead-letter topic.'),
  defaultLanguage: z.string().default('es').refine(isUsableLanguage, 'not a BCP 47 tag Intl.Segmenter has data for')
    .describe('Language for splitting sentences when a record\'s language tag is not valid BCP 47 or unknown to Intl (counted in relstream_records_language_fallback_total).'),
  maxPairsPerRecord: positiveInt(5000).describe('Most candidate pairs per record; more go to the dead-letter topic.'),
  httpHost: z.string().min(1).default('0.0.0.0').describe('Address of the /metrics, /healthz and /readyz server.'),
  httpPort: nonNegativeInt(9464).describe('Port of the HTTP server (0: any free port).'),
  shutdownTimeoutMs: positiveInt(30_000).describe('Bound on a graceful shutdown; in-flight work not finished by then is abandoned uncommitted.'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Lowest log level written to stderr.'),
});

export type Config = Readonly<z.output<typeof configSchema>>;

/**
 * Defaults that differ on the CUDA provider, used where the key is not set. A GPU wants big batches and two in
 * flight (one copied while the other runs): a full-size fp16 model on an H200, every pair an event, ran 9.8k
 * pairs/s at the CPU defaults (32 pairs, one in flight: the GPU waited) and 32.4k at these (README, GPU figures).
 */
export const CUDA_DEFAULTS: Readonly<Partial<Record<ConfigKey, string>>> = { batchMaxPairs: '512', batchMaxTokens: '32768', inferenceConcurrency: '2' };

/**
 * Defaults that differ under exactly-once, used where the key is not set. Its output is invisible to read_committed
 * readers until the transaction commits, so the commit interval is its latency, and the longest pause in the output
 * whenever one member writes (Kafka Streams commits every 100 ms under exactly-once for this reason). Measured on
 * 2 cores: 100 ms was no slower than 1 s (8,543 and 8,397 pairs/s against 8,156 and 7,917, alternated).
 */
export const EXACTLY_ONCE_DEFAULTS: Readonly<Partial<Record<ConfigKey, string>>> = { commitIntervalMs: '100' };

/**
 * Defaults that differ with kafkajs, used where the key is not set, from the raw values set. Its idempotent producer
 * sends one request at a time, so the second delivery waits out the first's round trip and the output buffer must
 * cover both: on 2 cores the capacity probe ran at 0.62x of its pairs/s with 256 KiB and, oddly, 0.48x at 1 MiB
 * (just above a request; alternated, every round), against a request's worth; platformatic ran the same at 256 KiB.
 */
export function kafkajsDefaults(raw: Readonly<Record<string, string>>): Partial<Record<ConfigKey, string>> {
  return { outputBufferBytes: raw['maxMessageBytes'] ?? String(configSchema.shape.maxMessageBytes.parse(undefined)) };
}

/** An http(s) URL with a host: what the registry and the OTLP endpoint must be when set. */
const HTTP_URL = /^https?:\/\/[^/]/;

/** Rules that join keys; each names the key to blame when it fails. */
export function crossFieldProblem(config: Config): { key: ConfigKey; message: string } | undefined {
  if (config.inputFormat === 'confluent' && config.schemaRegistryUrl === '') {
    return { key: 'schemaRegistryUrl', message: 'required when inputFormat is confluent: the writer schemas are fetched from it by id' };
  }
  if (config.schemaRegistryUrl !== '' && !HTTP_URL.test(config.schemaRegistryUrl)) {
    return { key: 'schemaRegistryUrl', message: 'an http:// or https:// URL' };
  }
  if (config.otlpTracesEndpoint !== '' && !HTTP_URL.test(config.otlpTracesEndpoint)) {
    return { key: 'otlpTracesEndpoint', message: 'an http:// or https:// URL (OTLP over HTTP, e.g. http://otel-collector:4318/v1/traces)' };
  }
  if (config.deliveryGuarantee === 'exactly-once' && config.transactionalId.trim() === '') {
    return { key: 'transactionalId', message: 'required when deliveryGuarantee is exactly-once: give each replica a stable id (e.g. its StatefulSet pod name), so a restart fences its predecessor' };
  }
  if (config.groupProtocol === 'consumer' && config.kafkaClient === 'kafkajs') {
    return { key: 'groupProtocol', message: 'consumer (KIP-848) needs kafkaClient platformatic: kafkajs speaks only the classic protocol' };
  }
  if (config.revokeTimeoutMs * 2 >= config.sessionTimeoutMs) {
    return { key: 'revokeTimeoutMs', message: `twice it (finish, then commit) must stay below sessionTimeoutMs (${config.sessionTimeoutMs}): a member that sends no heartbeat meanwhile would be expired` };
  }
  return undefined;
}

/** Keys whose values must never reach a log line, an error message or /metrics. */
export const SECRET_KEYS: readonly (keyof Config)[] = ['kafkaSaslPassword', 'schemaRegistryPassword'];
export type ConfigKey = keyof Config;
export const configKeys = Object.keys(configSchema.shape) as ConfigKey[];
