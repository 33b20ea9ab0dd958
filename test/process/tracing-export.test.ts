/**
 * A real `relstream run` process with tracing on, against the real broker, exporting over OTLP/HTTP to a
 * receiver in this test: every record's process span arrives (a child of the traceparent the record was
 * produced with), each relation event names a send span that arrived, and SIGTERM flushes what is buffered.
 * With the collector down, every record is still processed and the failed exports are counted.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';

import { TRACEPARENT } from '../../src/observability/trace-context.js';
import { trialRecordCodec } from '../../src/records/avro.js';
import { untilLagZero } from '../helpers/chaos.js';
import { startCli, waitFor } from '../helpers/cli.js';
import { useKafka } from '../helpers/kafka.js';
import { readTopic, sampleRecords, testEnv, testTopics, type TestTopics } from '../helpers/processor.js';

const TIMEOUT = { timeout: 180_000 };

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes?: readonly { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

/** OTLP/JSON carries ids as hex (the OTLP specification's JSON mapping); base64 is accepted too, in case. */
const hexId = (id: string | undefined): string => (id === undefined || id === '' ? '' : /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

/** An OTLP/HTTP traces receiver: the spans of every POST, with the service name each resource declared. */
async function otlpReceiver(t: TestContext): Promise<{ url: string; spans: OtlpSpan[]; services: Set<string> }> {
  const spans: OtlpSpan[] = [];
  const services = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      assert.equal(req.url, '/v1/traces');
      assert.match(req.headers['content-type'] ?? '', /json/);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans?: { resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans ?? []) {
        const name = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
        if (name) services.add(name);
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, traceId: hexId(s.traceId), spanId: hexId(s.spanId), parentSpanId: hexId(s.parentSpanId) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.close(() => { resolve(); }); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans, services };
}

describe('tracing exported over OTLP by relstream run', () => {
  const kafka = useKafka();

  async function setUp(t: TestContext, label: string): Promise<{ topics: TestTopics; parents: Map<string, string> }> {
    const topics = testTopics(label);
    await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 2 }, { topic: topics.outputTopic, partitions: 1 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
    const codec = trialRecordCodec();
    const parents = new Map<string, string>();
    const producer = await kafka.client.producer();
    try {
      await producer.send(topics.inputTopic, sampleRecords().map((r, i) => {
        const parent = `00-${(i + 1).toString(16).padStart(32, 'e')}-${(i + 1).toString(16).padStart(16, 'f')}-01`;
        parents.set(r.id, parent);
        return { key: r.id, value: codec.encode(r), headers: { [TRACEPARENT]: Buffer.from(parent) } };
      }));
    } finally {
      await producer.disconnect();
    }
    return { topics, parents };
  }

  it('exports a process span per record (child of its input trace) and the send spans its events name; SIGTERM flushes them', TIMEOUT, async (t) => {
    const receiver = await otlpReceiver(t);
    const { topics, parents } = await setUp(t, 'otlp');
    const out = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => out.close());
    const cli = startCli(['run'], testEnv(topics, { RELSTREAM_OTLP_TRACES_ENDPOINT: receiver.url }));
    t.after(() => { cli.child.kill('SIGKILL'); });
    await waitFor(() => (cli.logs.some((l) => l['msg'] === 'processor started') ? true : undefined), 'the processor');
    await out.until((m) => m.length > 0, 'relation events');
    // Every record finished (lag 0), then stop: the spans still buffered must be exported on the way out.
    await untilLagZero(kafka.admin, topics.groupId, topics.inputTopic);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);

    assert.deepEqual([...receiver.services], ['relstream']);
    const process = receiver.spans.filter((s) => s.name === `process ${topics.inputTopic}`);
    const attribute = (span: OtlpSpan, key: string): string => { const v = span.attributes?.find((a) => a.key === key)?.value; return String(v?.stringValue ?? v?.intValue); };
    const records = new Set(process.map((s) => `${attribute(s, 'messaging.destination.partition.id')}:${attribute(s, 'messaging.kafka.offset')}`));
    assert.equal(records.size, parents.size, 'a process span per record');
    const expectedParents = new Set([...parents.values()].map((p) => p.split('-').slice(1, 3).join('/')));
    for (const span of process) assert.ok(expectedParents.has(`${span.traceId}/${span.parentSpanId ?? ''}`), 'the process span continues its input\'s trace');
    const byId = new Map(receiver.spans.map((s) => [s.spanId, s]));
    for (const event of out.messages) {
      const [, trace, spanId] = event.headers[TRACEPARENT]?.toString().split('-') ?? [];
      const send = byId.get(spanId ?? '');
      assert.ok(send, 'the event names a send span that was exported');
      assert.equal(send.traceId, trace);
      assert.equal(send.name, `send ${topics.outputTopic}`);
      assert.equal(byId.get(send.parentSpanId ?? '')?.name, `process ${topics.inputTopic}`);
    }
    assert.ok(receiver.spans.some((s) => s.name === 'infer'), 'infer spans are exported');
  });

  it('a collector that is down loses spans, never records: every record is processed and the failures are counted', TIMEOUT, async (t) => {
    const receiver = await otlpReceiver(t);
    const closedPort = new URL(receiver.url);
    // A port nothing listens on: the receiver's own, once it is closed.
    const { topics, parents } = await setUp(t, 'otlpdown');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort.port = String((probe.address() as AddressInfo).port);
    await new Promise<void>((resolve) => { probe.close(() => { resolve(); }); });
    const cli = startCli(['run'], testEnv(topics, { RELSTREAM_OTLP_TRACES_ENDPOINT: closedPort.toString(), RELSTREAM_LOG_LEVEL: 'info' }));
    t.after(() => { cli.child.kill('SIGKILL'); });
    const port = Number((await waitFor(() => cli.logs.find((l) => l['msg'] === 'http server listening'), 'the http server'))['port']);
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
    };
    const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
      const deadline = Date.now() + 90_000;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await until(async () => (await metric('relstream_records_processed_total')) === parents.size, 'every record processed');
    await until(async () => (await metric('relstream_trace_export_failures_total')) > 0, 'a failed export counted');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
    assert.equal(receiver.spans.length, 0);
  });
});
