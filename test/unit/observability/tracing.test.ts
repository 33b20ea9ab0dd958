/**
 * Spans with an in-memory exporter: parentage from an input record's traceparent to its process span, to the
 * send span whose context its output carries; an infer span linked to the process spans of its records; the
 * sampling decision of the input followed. First on the tracing module alone (generated trace contexts), then
 * through the whole pipeline on an in-memory Kafka, for both delivery guarantees.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { Registry } from 'prom-client';

import { loadConfig } from '../../../src/config/load-config.js';
import type { ConfigKey } from '../../../src/config/schema.js';
import type { Headers, IncomingMessage, OutgoingMessage } from '../../../src/kafka/types.js';
import type { InferencePool } from '../../../src/inference/inference-pool.js';
import { loadModelDir } from '../../../src/model/model-dir.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { TRACEPARENT, TRACESTATE } from '../../../src/observability/trace-context.js';
import { ATTR, createTracing, type Tracing } from '../../../src/observability/tracing.js';
import { buildPipeline } from '../../../src/cli/build-service.js';
import { DEAD_LETTER_HEADERS } from '../../../src/publish/dead-letter.js';
import { trialRecordCodec } from '../../../src/records/avro.js';
import { InMemoryKafka } from '../../helpers/in-memory-kafka.js';
import { tinyModelDir } from '../../helpers/model.js';
import { manyRecords } from '../../helpers/processor.js';

const traceId = fc.stringMatching(/^[0-9a-f]{32}$/).filter((s) => !/^0+$/.test(s));
const spanId = fc.stringMatching(/^[0-9a-f]{16}$/).filter((s) => !/^0+$/.test(s));

function tracingWithExporter(flags: Partial<Record<ConfigKey, string>> = {}): { tracing: Tracing; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const config = loadConfig({ env: {}, flags: { groupId: 'g', ...flags } });
  const tracing = createTracing({ config, metrics: createMetrics(new Registry(), { defaultMetrics: false }), serviceVersion: 'test', spanProcessor: new SimpleSpanProcessor({ exporter }) });
  assert.ok(tracing);
  return { tracing, exporter };
}

function message(headers: Headers, offset = 7): IncomingMessage {
  return { topic: 'in', partition: 1, offset: String(offset), key: null, value: Buffer.from('v'), headers, timestampMs: 0 };
}

const ids = (span: ReadableSpan | { traceId: string; spanId: string } | undefined): string => {
  if (span === undefined) return 'none';
  const context = 'spanContext' in span ? span.spanContext() : span;
  return `${context.traceId}/${context.spanId}`;
};

/** The span ids a traceparent header names: trace/span, and its flags. */
function parentOf(headers: Headers | undefined): { ids: string; flags: string } {
  const value = headers?.[TRACEPARENT]?.toString('latin1') ?? '';
  const [, trace = '', span = '', flags = ''] = value.split('-');
  return { ids: `${trace}/${span}`, flags };
}

describe('tracing (in-memory exporter)', () => {
  it('is off without an endpoint: nothing is built', () => {
    const config = loadConfig({ env: {}, flags: {} });
    assert.equal(createTracing({ config, metrics: createMetrics(new Registry(), { defaultMetrics: false }), serviceVersion: 'test' }), undefined);
  });

  it('a record\'s process span continues its input trace; its send span is the parent its output names', () => {
    fc.assert(fc.property(traceId, spanId, fc.boolean(), fc.option(fc.constantFrom('vendor=1', 'a=b,c=d')), (trace, span, sampled, state) => {
      const { tracing, exporter } = tracingWithExporter();
      const input: Record<string, Buffer> = { [TRACEPARENT]: Buffer.from(`00-${trace}-${span}-${sampled ? '01' : '00'}`) };
      if (state !== null) input[TRACESTATE] = Buffer.from(state);
      const record = tracing.record(message(input));
      const headers = record.send('out', 3);
      record.sent();
      const spans = exporter.getFinishedSpans();
      const out = parentOf(headers);
      assert.equal(out.ids.split('/')[0], trace, 'the output stays in the input\'s trace');
      assert.equal(out.flags, sampled ? '01' : '00', 'the input\'s sampling decision is followed');
      assert.equal(headers[TRACESTATE]?.toString(), state ?? undefined);
      if (!sampled) {
        assert.equal(spans.length, 0);
        return;
      }
      const process = spans.find((s) => s.kind === SpanKind.CONSUMER);
      const send = spans.find((s) => s.kind === SpanKind.PRODUCER);
      assert.ok(process && send);
      assert.equal(ids(process.parentSpanContext), `${trace}/${span}`);
      assert.equal(ids(send.parentSpanContext), ids(process));
      assert.equal(out.ids, ids(send));
      assert.equal(process.name, 'process in');
      assert.equal(send.name, 'send out');
      assert.equal(process.attributes[ATTR.offset], 7);
      assert.equal(process.attributes[ATTR.group], 'g');
      assert.equal(send.attributes[ATTR.messageCount], 3);
    }), { numRuns: 50 });
  });

  it('a record without a valid traceparent starts a trace of its own, which its output carries', () => {
    for (const headers of [{}, { [TRACEPARENT]: Buffer.from('00-zz-not-a-context') }]) {
      const { tracing, exporter } = tracingWithExporter();
      const record = tracing.record(message(headers));
      const out = record.send('out', 1);
      record.sent();
      const [process, send] = exporter.getFinishedSpans();
      assert.equal(process?.parentSpanContext, undefined);
      assert.equal(parentOf(out).ids, ids(send));
      assert.equal(out[TRACESTATE], undefined);
    }
  });

  it('a dead letter marks its process span with the reason', () => {
    const { tracing, exporter } = tracingWithExporter();
    const record = tracing.record(message({}));
    record.send('dlq', 1, 'too_many_pairs');
    record.sent();
    const process = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
    assert.ok(process);
    assert.equal(process.status.code, SpanStatusCode.ERROR);
    assert.equal(process.attributes[ATTR.errorType], 'too_many_pairs');
  });

  it('output found too large after its send span started: that span carries the reason, the dead letter gets its own', () => {
    const { tracing, exporter } = tracingWithExporter();
    const record = tracing.record(message({}));
    const first = record.send('out', 2);
    const letter = record.send('dlq', 1, 'output_too_large');
    record.sent();
    const spans = exporter.getFinishedSpans();
    const [process] = spans.filter((s) => s.kind === SpanKind.CONSUMER);
    const sends = spans.filter((s) => s.kind === SpanKind.PRODUCER);
    assert.ok(process);
    assert.equal(process.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(sends.map((s) => [s.name, s.status.code, s.attributes[ATTR.errorType]]), [['send out', SpanStatusCode.ERROR, 'output_too_large'], ['send dlq', SpanStatusCode.UNSET, undefined]]);
    for (const send of sends) assert.equal(ids(send.parentSpanContext), ids(process));
    assert.equal(parentOf(first).ids, ids(sends[0]));
    assert.equal(parentOf(letter).ids, ids(sends[1]));
  });

  it('a batch span links each of its records, up to batchMaxPairs of them (past the SDK\'s default 128)', () => {
    const { tracing, exporter } = tracingWithExporter({ batchMaxPairs: '256' });
    const records = Array.from({ length: 200 }, (_, i) => tracing.record(message({}, i)));
    const span = tracing.batch(records, { pairs: 300, paddedTokens: 4096, provider: 'cpu' });
    span.end();
    const [batch] = exporter.getFinishedSpans();
    assert.ok(batch);
    assert.equal(batch.name, 'infer');
    assert.deepEqual(batch.links.map((l) => `${l.context.traceId}/${l.context.spanId}`), records.map((r) => ids(r.process.spanContext())));
    assert.equal(batch.attributes[ATTR.batchPairs], 300);
  });

  it('a sample ratio of 0 records no new trace, and still propagates one', () => {
    const { tracing, exporter } = tracingWithExporter({ tracingSampleRatio: '0' });
    const record = tracing.record(message({}));
    const out = record.send('out', 1);
    record.sent();
    assert.equal(exporter.getFinishedSpans().length, 0);
    assert.equal(parentOf(out).flags, '00');
    assert.match(parentOf(out).ids, /^[0-9a-f]{32}\/[0-9a-f]{16}$/);
  });
});

for (const delivery of ['at-least-once', 'exactly-once'] as const) {
  describe(`tracing through the pipeline (${delivery}, in-memory Kafka)`, () => {
    it('every event and dead letter names a send span, child of its record\'s process span, child of the input\'s context; infer spans link the records', async (t: TestContext) => {
      const bundle = await loadModelDir(tinyModelDir);
      const kafka = new InMemoryKafka();
      for (const topic of ['in', 'out', 'dlq']) kafka.createTopic(topic, 2);
      const codec = trialRecordCodec();
      const inputs = new Map<string, string>();
      const messages: OutgoingMessage[] = manyRecords(2).map((r, i) => {
        const parent = `00-${(i + 1).toString(16).padStart(32, 'a')}-${(i + 1).toString(16).padStart(16, 'b')}-01`;
        inputs.set(`${i % 2}:${Math.floor(i / 2)}`, parent);
        return { key: r.id, value: codec.encode(r), partition: i % 2, headers: { [TRACEPARENT]: Buffer.from(parent) } };
      });
      messages.push({ key: 'poison', value: Buffer.from([0x02, 0x41]), partition: 0, headers: { [TRACEPARENT]: Buffer.from(`00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`) } });
      inputs.set(`0:${messages.filter((m) => m.partition === 0).length - 1}`, `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`);
      kafka.append('in', messages);
      const config = loadConfig({
        env: {},
        flags: {
          inputTopic: 'in', outputTopic: 'out', deadLetterTopic: 'dlq', groupId: 'g', commitIntervalMs: '10', batchMaxWaitMs: '1', batchMaxPairs: '8',
          ...(delivery === 'exactly-once' ? { deliveryGuarantee: delivery, transactionalId: 'unit-0' } : {}),
        },
      });
      const metrics = createMetrics(new Registry(), { defaultMetrics: false });
      const exporter = new InMemorySpanExporter();
      const tracing = createTracing({ config, metrics, serviceVersion: 'test', spanProcessor: new SimpleSpanProcessor({ exporter }) });
      const fatal: unknown[] = [];
      const pool: InferencePool = {
        provider: 'cpu',
        run: (pairs: readonly unknown[]) => Promise.resolve(new Float32Array(pairs.length * bundle.config.labels.length).map((_, i) => (i % bundle.config.labels.length === 0 ? 10 : -10))),
        close: () => Promise.resolve(),
      };
      const pipeline = await buildPipeline({ config, client: kafka, probeClient: kafka, bundle, pool, metrics, logger: silentLogger, tracing, onFatal: (e) => fatal.push(e) });
      t.after(() => pipeline.close());
      await pipeline.start();
      const deadline = Date.now() + 10_000;
      while (![0, 1].every((p) => kafka.committedOffset('in', p) === BigInt(kafka.logs.get('in')?.[p]?.length ?? 0))) {
        assert.equal(fatal.length, 0);
        assert.ok(Date.now() < deadline, 'committed to the end');
        await sleep(5);
      }
      await pipeline.close();

      const spans = exporter.getFinishedSpans();
      const byId = new Map(spans.map((s) => [ids(s), s]));
      const outputs = [...kafka.messages('out').map((m) => ({ m, dead: false })), ...kafka.messages('dlq').map((m) => ({ m, dead: true }))];
      assert.ok(kafka.messages('out').length > 0 && kafka.messages('dlq').length === 1);
      for (const { m, dead } of outputs) {
        const send = byId.get(parentOf(m.headers).ids);
        assert.ok(send, 'the output names a finished send span');
        assert.equal(send.kind, SpanKind.PRODUCER);
        assert.equal(send.name, dead ? 'send dlq' : 'send out');
        const process = byId.get(ids(send.parentSpanContext));
        assert.ok(process && process.kind === SpanKind.CONSUMER);
        const source = `${String(process.attributes[ATTR.partition])}:${String(process.attributes[ATTR.offset])}`;
        if (dead) assert.equal(m.headers?.[DEAD_LETTER_HEADERS.offset]?.toString(), String(process.attributes[ATTR.offset]));
        const input = inputs.get(source)?.split('-');
        assert.equal(ids(process.parentSpanContext), `${input?.[1]}/${input?.[2]}`, `process span of ${source} is a child of its input's context`);
        assert.equal(process.status.code === SpanStatusCode.ERROR, dead);
      }
      const processSpans = spans.filter((s) => s.kind === SpanKind.CONSUMER);
      assert.equal(processSpans.length, messages.length, 'one process span per record');
      const linked = new Set(spans.filter((s) => s.name === 'infer').flatMap((s) => s.links.map((l) => `${l.context.traceId}/${l.context.spanId}`)));
      const withEvents = new Set(kafka.messages('out').map((m) => ids(byId.get(parentOf(m.headers).ids)?.parentSpanContext)));
      for (const id of withEvents) assert.ok(linked.has(id), 'a record with events is linked from an infer span');
    });
  });
}
