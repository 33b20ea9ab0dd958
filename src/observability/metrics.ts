/**
 * relstream's Prometheus metrics, registered on a registry passed in (no global registry). Prefix
 * `relstream_`, base units, `_total` counters, no per-record labels. docs/metrics.md lists them all and a test
 * keeps that table in sync with this registry.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(register: Registry, options: { defaultMetrics?: boolean } = {}) {
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register, prefix: 'relstream_' });
  const registers = [register];
  return {
    recordsConsumed: new Counter({ name: 'relstream_records_consumed_total', help: 'Input records read from Kafka.', registers }),
    recordsProcessed: new Counter({ name: 'relstream_records_processed_total', help: 'Input records whose relation events were all acknowledged.', registers }),
    recordsDeadLettered: new Counter({ name: 'relstream_records_dead_lettered_total', help: 'Input records sent to the dead-letter topic, by reason.', labelNames: ['reason'] as const, registers }),
    internalErrors: new Counter({ name: 'relstream_internal_errors_total', help: 'Unexpected errors while processing one record (the record went to the dead-letter topic as internal_error), by stage.', labelNames: ['stage'] as const, registers }),
    languageFallbacks: new Counter({ name: 'relstream_records_language_fallback_total', help: 'Records whose language tag Intl rejects or has no data for; their sentences were split with defaultLanguage.', registers }),
    schemaRegistryErrors: new Counter({ name: 'relstream_schema_registry_errors_total', help: 'Failed Schema Registry requests for an input record\'s writer schema (retried with backoff; the record waits), by error code.', labelNames: ['code'] as const, registers }),
    recordsRedelivered: new Counter({ name: 'relstream_records_redelivered_total', help: 'Records Kafka delivered again that this member had already admitted (skipped, not processed twice).', registers }),
    revocations: new Counter({ name: 'relstream_revocations_total', help: 'Rebalances that took partitions from this member: committed (their in-flight records finished and were committed first) or partial (some were left to the next owner, or the commit did not finish within revokeTimeoutMs).', labelNames: ['outcome'] as const, registers }),
    kafkaReachable: new Gauge({ name: 'relstream_kafka_reachable', help: '1 while the Kafka cluster answers; 0 during an outage (the process exits after kafkaOutageToleranceMs).', registers }),
    queuedTokens: new Gauge({ name: 'relstream_queued_tokens', help: 'Tokens of the pairs waiting in the micro-batcher.', registers }),
    stagedBytes: new Gauge({ name: 'relstream_transaction_staged_bytes', help: 'Exactly-once: output bytes staged for the next transaction.', registers }),
    pairsFormed: new Counter({ name: 'relstream_pairs_formed_total', help: 'Candidate pairs sent to inference.', registers }),
    pairsSkipped: new Counter({ name: 'relstream_pairs_skipped_total', help: 'Entity pairs not classified, by reason.', labelNames: ['reason'] as const, registers }),
    relationsPublished: new Counter({ name: 'relstream_relations_published_total', help: 'Relation events acknowledged by Kafka, by relation label.', labelNames: ['relation'] as const, registers }),
    relationsBelowMinScore: new Counter({ name: 'relstream_relations_below_min_score_total', help: 'Classified pairs not emitted because their score was below minScore.', registers }),
    batchTargetPairs: new Gauge({ name: 'relstream_batch_target_pairs', help: 'The batch size the micro-batcher fills to now: batchMaxPairs, or the adaptive controller\'s choice.', registers }),
    batchPairs: new Histogram({ name: 'relstream_batch_pairs', help: 'Pairs per inference batch.', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers }),
    batchTokens: new Histogram({ name: 'relstream_batch_tokens', help: 'Padded tokens per inference batch (pairs x longest).', buckets: [64, 256, 1024, 2048, 4096, 8192, 16384, 32768], registers }),
    batchPaddingRatio: new Histogram({ name: 'relstream_batch_padding_ratio', help: 'Share of a batch\'s padded tokens that are padding.', buckets: [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9], registers }),
    queueWaitSeconds: new Histogram({ name: 'relstream_queue_wait_seconds', help: 'Time a pair waited in the micro-batcher.', buckets: SECONDS, registers }),
    inferenceSeconds: new Histogram({ name: 'relstream_inference_seconds', help: 'Time one batch spent in the ONNX session.', buckets: SECONDS, registers }),
    publishSeconds: new Histogram({ name: 'relstream_publish_seconds', help: 'Time from sending relation events to their acknowledgement.', buckets: SECONDS, registers }),
    endToEndSeconds: new Histogram({ name: 'relstream_end_to_end_latency_seconds', help: 'From the input record\'s Kafka timestamp to its events being acknowledged.', buckets: [...SECONDS, 60, 300], registers }),
    consumerLag: new Gauge({ name: 'relstream_consumer_lag', help: 'Messages behind the high watermark, per assigned partition.', labelNames: ['topic', 'partition'] as const, registers }),
    consumerPaused: new Gauge({ name: 'relstream_consumer_paused', help: '1 while the consumer is paused because the inference queue is full.', registers }),
    queuedPairs: new Gauge({ name: 'relstream_queued_pairs', help: 'Pairs waiting in the micro-batcher.', registers }),
    queueCapacityPairs: new Gauge({ name: 'relstream_queue_capacity_pairs', help: 'Pairs the micro-batcher holds before intake pauses: queueMaxPairs, or fewer where a quarter of revokeTimeoutMs of work at the measured rate is less.', registers }),
    batchesInFlight: new Gauge({ name: 'relstream_inference_batches_in_flight', help: 'Batches running in inference workers.', registers }),
    partitionStalls: new Counter({ name: 'relstream_partition_stalls_total', help: 'Stalls found by the progress watchdog: an owned partition with lag, nothing in flight and no delivery or commit for stallTimeoutMs (read again from its committed offset), or a commit retrying for stallTimeoutMs while the cluster answers (the member joins the group again).', registers }),
    recordsInFlight: new Gauge({ name: 'relstream_records_in_flight', help: 'Records admitted but not yet finished.', registers }),
    traceExportFailures: new Counter({ name: 'relstream_trace_export_failures_total', help: 'Spans the OTLP exporter could not deliver (collector unreachable or refusing); tracing never holds records back.', registers }),
    selfCheckAgreement: new Gauge({ name: 'relstream_model_self_check_argmax_agreement', help: 'Start-up self-check: share of the model directory\'s reference pairs whose argmax matches the exporting framework\'s, run on this process\'s provider and CPU.', registers }),
    selfCheckPassed: new Gauge({ name: 'relstream_model_self_check_passed', help: 'Start-up self-check: 1 when the reference pairs met the tolerances of relstream-model.json, 0 when the model runs degraded (allowDegradedModel).', registers }),
    selfCheckMaxDifference: new Gauge({ name: 'relstream_model_self_check_max_logit_difference', help: 'Start-up self-check: the largest absolute logit difference from the exporting framework\'s on the reference pairs.', registers }),
    modelInfo: new Gauge({ name: 'relstream_model_info', help: 'The model in use and the execution provider that really runs it (value 1).', labelNames: ['model', 'version', 'sha256', 'provider'] as const, registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
