/**
 * OpenTelemetry spans for the stream (issue 11), following the messaging semantic conventions: a `process
 * <topic>` span per input record (CONSUMER, child of the trace its traceparent header carries), an `infer`
 * span per micro-batch linked to the records it holds (a batch has many parents, so links, not parentage),
 * and a `send <topic>` span per record's output (PRODUCER, child of its process span) whose context goes
 * into the output's traceparent header, so a subscriber's trace continues from relstream's.
 *
 * Off (no otlpTracesEndpoint), nothing here is built: the record path checks one undefined field.
 * Nothing global is registered (no global tracer provider or propagator): the provider is built here, passed
 * in, and shut down with the service.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace';

import type { Config } from '../config/schema.js';
import type { Headers, IncomingMessage } from '../kafka/types.js';
import type { Metrics } from './metrics.js';
import { formatTraceparent, parseTraceparent, traceHeaders, TRACEPARENT, TRACESTATE } from './trace-context.js';

/** How long the exit waits to export the spans still buffered. */
const SHUTDOWN_MS = 5000;

/** Messaging semantic-convention attribute names (incubating in @opentelemetry/semantic-conventions, so copied as advised). */
export const ATTR = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  group: 'messaging.consumer.group.name',
  offset: 'messaging.kafka.offset',
  bodySize: 'messaging.message.body.size',
  messageCount: 'messaging.batch.message_count',
  errorType: 'error.type',
  batchPairs: 'relstream.batch.pairs',
  batchRecords: 'relstream.batch.records',
  batchPaddedTokens: 'relstream.batch.padded_tokens',
  provider: 'relstream.execution_provider',
} as const;

/** One input record's spans, from intake until its output is durable. */
export class RecordTrace {
  #send: Span | undefined;

  constructor(private readonly tracer: Tracer, readonly process: Span, private readonly tracestate: Buffer | undefined) {}

  /**
   * The record is finished: its process span ends and a send span starts for its output to `topic`. Returns the
   * trace headers its output messages carry (the send span's traceparent, the input's tracestate). A dead
   * letter passes its reason, recorded as the process span's error (or, for output found too large, the error of
   * the send span it replaces).
   */
  send(topic: string, messages: number, deadLetterReason?: string): Headers {
    const previous = this.#send;
    if (deadLetterReason !== undefined) {
      // Output too large is found once its send span started: that span ends with the reason, not the process span.
      const failed = previous ?? this.process;
      failed.setAttribute(ATTR.errorType, deadLetterReason);
      failed.setStatus({ code: SpanStatusCode.ERROR, message: `dead letter: ${deadLetterReason}` });
    }
    if (previous === undefined) this.process.end();
    previous?.end();
    const send = this.tracer.startSpan(`send ${topic}`, {
      kind: SpanKind.PRODUCER,
      attributes: { [ATTR.system]: 'kafka', [ATTR.operationType]: 'send', [ATTR.operationName]: 'send', [ATTR.destination]: topic, [ATTR.messageCount]: messages },
    }, trace.setSpan(ROOT_CONTEXT, this.process));
    this.#send = send;
    const { traceId, spanId, traceFlags } = send.spanContext();
    const parent = formatTraceparent(traceId, spanId, (traceFlags & TraceFlags.SAMPLED) !== 0);
    return this.tracestate === undefined ? { [TRACEPARENT]: parent } : { [TRACEPARENT]: parent, [TRACESTATE]: this.tracestate };
  }

  /** The output is acknowledged (at-least-once) or its transaction committed (exactly-once). */
  sent(): void {
    this.#send?.end();
  }
}

export interface Tracing {
  /** Starts a record's process span, in the trace its headers carry (a new trace without valid ones). */
  record(message: IncomingMessage): RecordTrace;
  /** An inference span over one micro-batch, linked to the process spans of its records; end it when inferred. */
  batch(records: readonly RecordTrace[], batch: { readonly pairs: number; readonly paddedTokens: number; readonly provider: string }): Span;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  readonly config: Pick<Config, 'otlpTracesEndpoint' | 'tracingSampleRatio' | 'groupId' | 'kafkaClientId' | 'batchMaxPairs'>;
  readonly metrics: Metrics;
  readonly serviceVersion: string;
  /** Tests pass a processor over an in-memory exporter; otherwise spans are batched to OTLP/HTTP. */
  readonly spanProcessor?: SpanProcessor;
}

/** Counts spans the exporter could not deliver: a collector that is down loses spans, never records. */
function countingExporter(inner: SpanExporter, metrics: Metrics): SpanExporter {
  return {
    export: (spans, done) => {
      inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) metrics.traceExportFailures.inc(spans.length);
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/** A parent context from a record's validated trace headers (../observability/trace-context.ts), or the root context. */
function parentOf(carried: Headers): typeof ROOT_CONTEXT {
  const parent = carried[TRACEPARENT];
  if (parent === undefined) return ROOT_CONTEXT;
  const { traceId, spanId, sampled } = parseTraceparent(parent);
  const state = carried[TRACESTATE]?.toString('latin1');
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId, spanId, isRemote: true, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    ...(state === undefined ? {} : { traceState: new TraceState(state) }),
  });
}

/** The tracing of the stream, or undefined when it is off. */
export function createTracing(options: TracingOptions): Tracing | undefined {
  const { config, metrics } = options;
  if (options.spanProcessor === undefined && config.otlpTracesEndpoint === '') return undefined;
  const processor = options.spanProcessor ?? new BatchSpanProcessor({
    exporter: countingExporter(new OTLPTraceExporter({ url: config.otlpTracesEndpoint }), metrics),
    // Bounded: past the queue, spans are dropped rather than held while a collector is slow.
    maxQueueSize: 8192, maxExportBatchSize: 512,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'relstream', 'service.version': options.serviceVersion, 'service.instance.id': config.kafkaClientId }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.tracingSampleRatio) }),
    // A batch span links every record it holds: up to batchMaxPairs of them.
    spanLimits: { linkCountLimit: Math.max(128, config.batchMaxPairs) },
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('relstream', options.serviceVersion);
  return {
    record(message) {
      const carried = traceHeaders(message.headers);
      const span = tracer.startSpan(`process ${message.topic}`, {
        kind: SpanKind.CONSUMER,
        attributes: {
          [ATTR.system]: 'kafka', [ATTR.operationType]: 'process', [ATTR.operationName]: 'process', [ATTR.destination]: message.topic,
          [ATTR.partition]: String(message.partition), [ATTR.group]: config.groupId, [ATTR.offset]: Number(message.offset),
          [ATTR.bodySize]: message.value?.length ?? 0,
        },
      }, parentOf(carried));
      return new RecordTrace(tracer, span, carried[TRACESTATE]);
    },
    batch(records, { pairs, paddedTokens, provider }) {
      return tracer.startSpan('infer', {
        kind: SpanKind.INTERNAL,
        links: records.map((r) => ({ context: r.process.spanContext() })),
        attributes: { [ATTR.batchPairs]: pairs, [ATTR.batchRecords]: records.length, [ATTR.batchPaddedTokens]: paddedTokens, [ATTR.provider]: provider },
      }, ROOT_CONTEXT);
    },
    // Bounded: a collector that is down must not hold the process's exit past the shutdown's own bound.
    shutdown: () => Promise.race([provider.shutdown(), sleep(SHUTDOWN_MS, undefined, { ref: false })]),
  };
}
