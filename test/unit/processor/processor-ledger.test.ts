/**
 * The processor's bookkeeping on an in-memory Kafka (test/helpers/in-memory-kafka.ts): whatever order
 * redelivery, rebalances and failures come in, the committed offset of every partition reaches the end of
 * what was processed, and a failure past the outage tolerance stops the process instead of hanging it.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Registry } from 'prom-client';

import type { ProgressWatchdog } from '../../../src/commit/progress-watchdog.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { ConfigKey } from '../../../src/config/schema.js';
import type { InferencePool } from '../../../src/inference/inference-pool.js';
import { loadModelDir, type ModelBundle } from '../../../src/model/model-dir.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { buildPipeline } from '../../../src/cli/build-service.js';
import { DEAD_LETTER_HEADERS } from '../../../src/publish/dead-letter.js';
import { relationEventCodec, trialRecordCodec } from '../../../src/records/avro.js';
import { InMemoryKafka, outage, type InMemoryConsumer } from '../../helpers/in-memory-kafka.js';
import { tinyModelDir } from '../../helpers/model.js';
import { manyRecords } from '../../helpers/processor.js';

const IN = 'in';
const OUT = 'out';
const DLQ = 'dlq';
const PARTITIONS = 2;

/** Logits that always pick label 0 with certainty: every pair becomes an event. */
/** Holds inference until opened: records stay in flight, whatever the machine's speed. */
class Gate {
  #open: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  close(): void {
    this.#open = new Promise((resolve) => { this.#release = resolve; });
  }

  open(): void {
    this.#release?.();
  }

  get passed(): Promise<void> {
    return this.#open;
  }
}

function fakePool(numLabels: number, gate: Gate, delayMs = 2): InferencePool {
  return {
    provider: 'cpu',
    run: async (pairs) => {
      await gate.passed;
      await sleep(delayMs);
      const logits = new Float32Array(pairs.length * numLabels).fill(-10);
      for (let row = 0; row < pairs.length; row++) logits[row * numLabels] = 10;
      return logits;
    },
    close: () => Promise.resolve(),
  };
}

let bundle: ModelBundle | undefined;

interface Harness {
  readonly kafka: InMemoryKafka;
  readonly consumer: InMemoryConsumer;
  readonly fatal: unknown[];
  readonly metrics: ReturnType<typeof createMetrics>;
  readonly total: number;
  readonly watchdog: ProgressWatchdog;
  /** Stops the pipeline (drain, commit, leave). */
  stop(): Promise<void>;
  /** Resolves once every partition's committed offset is at the end of its log. */
  committedToEnd(what: string, timeoutMs?: number): Promise<void>;
}

async function harness(t: TestContext, options: { records?: number; poison?: number; overrides?: Partial<Record<ConfigKey, string>>; before?: (kafka: InMemoryKafka) => void; gate?: Gate } = {}): Promise<Harness> {
  bundle ??= await loadModelDir(tinyModelDir);
  const kafka = new InMemoryKafka();
  for (const topic of [IN, OUT, DLQ]) kafka.createTopic(topic, PARTITIONS);
  const codec = trialRecordCodec();
  const count = options.records ?? 12;
  const records = manyRecords(Math.ceil(count / 12)).slice(0, count);
  const messages = records.map((r, i) => ({ key: r.id, value: codec.encode(r), partition: i % PARTITIONS }));
  for (let i = 0; i < (options.poison ?? 0); i++) messages.splice(i * 3, 0, { key: `poison-${i}`, value: Buffer.from([0x02, 0x41]), partition: i % PARTITIONS });
  kafka.append(IN, messages);
  options.before?.(kafka);
  const config = loadConfig({
    env: {},
    flags: {
      inputTopic: IN, outputTopic: OUT, deadLetterTopic: DLQ, groupId: 'g', commitIntervalMs: '10', batchMaxWaitMs: '1',
      batchMaxPairs: '4', queueMaxPairs: '8', heartbeatIntervalMs: '20', shutdownTimeoutMs: '3000', ...options.overrides,
    },
  });
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const fatal: unknown[] = [];
  const pipeline = await buildPipeline({ config, client: kafka, probeClient: kafka, bundle, pool: fakePool(bundle.config.labels.length, options.gate ?? new Gate()), metrics, logger: silentLogger, onFatal: (e) => fatal.push(e) });
  t.after(() => pipeline.close());
  await pipeline.start();
  const [consumer] = kafka.consumers;
  if (!consumer) throw new Error('no consumer');
  const ends = Array.from({ length: PARTITIONS }, (_, p) => BigInt(kafka.logs.get(IN)?.[p]?.length ?? 0));
  return {
    kafka, consumer, fatal, metrics, total: messages.length, watchdog: pipeline.watchdog, stop: () => pipeline.close(),
    committedToEnd: async (what, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!ends.every((end, p) => kafka.committedOffset(IN, p) === end)) {
        if (fatal.length > 0) throw new Error(`fatal while waiting for ${what}: ${String(fatal[0])}`);
        if (Date.now() > deadline) throw new Error(`${what}: committed ${ends.map((_, p) => kafka.committedOffset(IN, p)).join(',')} of ${ends.join(',')}`);
        await sleep(5);
      }
    },
  };
}

const events_ = relationEventCodec();

/** Records admitted and not yet processed (from the counters, which move as records do). */
async function inFlight(h: Harness): Promise<number> {
  const count = async (c: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> => (await c.get()).values.reduce((n, v) => n + v.value, 0);
  return (await count(h.metrics.recordsConsumed)) - (await count(h.metrics.recordsProcessed)) - (await count(h.metrics.recordsDeadLettered));
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
const recordIdsOut = (kafka: InMemoryKafka): string[] => kafka.messages(OUT).map((m) => events_.decode(m.value ?? Buffer.alloc(0)).recordId);

/** The record ids an undisturbed at-least-once run gives events for (records with candidate pairs). */
async function recordsWithEvents(t: TestContext, records: number): Promise<Set<string>> {
  const h = await harness(t, { records });
  await h.committedToEnd('the undisturbed run');
  return new Set(recordIdsOut(h.kafka));
}

for (const delivery of ['at-least-once', 'exactly-once'] as const) {
  const overrides = delivery === 'exactly-once' ? { deliveryGuarantee: delivery, transactionalId: 'unit-0' } : {};

  describe(`commit ledger (${delivery}, in-memory Kafka)`, () => {
    it('a rejoin that keeps the partitions while work is in flight: commits still reach the end', async (t) => {
      // Both rejoins land while records are admitted and held in inference: a gate, not timed sleeps.
      const gate = new Gate();
      gate.close();
      const h = await harness(t, { overrides, gate });
      await until(async () => (await inFlight(h)) > 0, 'records in flight');
      h.consumer.rejoin();
      h.consumer.rejoin();
      gate.open();
      await h.committedToEnd('after two rejoins');
      assert.ok(((await h.metrics.recordsRedelivered.get()).values[0]?.value ?? 0) > 0, 'the rejoins redelivered admitted records');
      assert.deepEqual(new Set(recordIdsOut(h.kafka)), await recordsWithEvents(t, 12), 'every record has its events');
    });

    it('a heartbeat that fails while admission waits for room leaves no admitted record behind: commits reach the end', async (t) => {
      // Inference held, so admission waits for room and heartbeats; the failed heartbeat ends the batch mid-chunk.
      const gate = new Gate();
      gate.close();
      const h = await harness(t, { overrides, gate, records: 24 });
      await until(async () => (await inFlight(h)) > 0, 'records in flight');
      h.consumer.heartbeatFailures = 1;
      await until(() => Promise.resolve(h.consumer.heartbeatFailures === 0), 'the heartbeat to fail');
      gate.open();
      await h.committedToEnd('after the failed heartbeat');
      assert.deepEqual(h.fatal, [], 'a client error in admission is not fatal');
      assert.deepEqual(new Set(recordIdsOut(h.kafka)), await recordsWithEvents(t, 24), 'every record has its events');
    });

    it('a batch delivered twice (an eachBatch re-run after an error) is admitted once', async (t) => {
      const h = await harness(t, { overrides });
      h.consumer.repeatBatches = true;
      await h.committedToEnd('with every batch delivered twice');
      await until(async () => (await h.metrics.recordsProcessed.get()).values[0]?.value === h.total, 'every record processed');
      // Stopped, nothing more can be processed: the count is final.
      await h.stop();
      assert.equal((await h.metrics.recordsProcessed.get()).values[0]?.value, h.total, 'each record processed once');
    });

    it('a revocation mid-stream, then the partition back under a new member id: commits reach the end', async (t) => {
      const expected = await recordsWithEvents(t, 24);
      const gate = new Gate();
      gate.close();
      const h = await harness(t, { overrides, records: 24, gate });
      await until(async () => (await inFlight(h)) > 0, 'records in flight');
      h.consumer.rejoin({ partitions: [1] });
      gate.open();
      const before = h.kafka.committedOffset(IN, 1);
      await until(() => Promise.resolve(h.kafka.committedOffset(IN, 1) > before), 'partition 1 to move on alone');
      h.consumer.rejoin({ memberId: 'member-2', partitions: [0, 1] });
      await h.committedToEnd('after revoke and reassign');
      assert.deepEqual(new Set(recordIdsOut(h.kafka)), expected);
    });

    it('a partition paused, moved away and handed back is resumed (the client keeps pauses across rebalances)', async (t) => {
      const h = await harness(t, { overrides: { ...overrides, queueMaxPairs: '1', batchMaxPairs: '1' }, records: 24 });
      await until(() => Promise.resolve(h.consumer.paused.size === PARTITIONS), 'intake to pause both partitions');
      h.consumer.rejoin({ partitions: [1] });
      // Partition 1 drains and intake resumes while partition 0 is owned by someone else.
      await until(() => Promise.resolve(!h.consumer.paused.has(1) && h.kafka.committedOffset(IN, 1) === BigInt(h.kafka.logs.get(IN)?.[1]?.length ?? -1)), 'partition 1 to finish');
      h.consumer.rejoin({ partitions: [0, 1] });
      await h.committedToEnd('after the paused partition came back');
    });

    it('dead-letter sends that fail (broker unreachable) are retried: every poison record lands once', async (t) => {
      let failures = 0;
      const h = await harness(t, {
        overrides, poison: 3,
        before: (kafka) => { kafka.fault = (_operation, topic) => (topic === DLQ && failures++ < 4 ? outage() : undefined); },
      });
      await h.committedToEnd('with failing dead-letter sends');
      const dlq = h.kafka.messages(DLQ);
      assert.equal(dlq.length, 3);
      assert.ok(dlq.every((m) => m.headers?.[DEAD_LETTER_HEADERS.reason]?.toString() === 'malformed_avro'));
    });

    it('commits that fail are retried until they reach the end', async (t) => {
      let failures = 0;
      const h = await harness(t, {
        overrides,
        before: (kafka) => { kafka.fault = (op) => ((op === 'commit' || op === 'transaction') && failures++ < 5 ? outage() : undefined); },
      });
      await h.committedToEnd('with failing commits');
      assert.ok(failures >= 5);
    });

    it('Kafka unreachable past the tolerance stops the process with RELSTREAM_KAFKA_UNAVAILABLE, never hangs', async (t) => {
      const h = await harness(t, {
        overrides: { ...overrides, kafkaOutageToleranceMs: '200' },
        before: (kafka) => { kafka.fault = (operation) => (operation === 'send' || operation === 'transaction' ? outage() : undefined); },
      });
      const deadline = Date.now() + 10_000;
      while (h.fatal.length === 0 && Date.now() < deadline) await sleep(10);
      assert.match(String((h.fatal[0] as { code?: string } | undefined)?.code), /RELSTREAM_KAFKA_UNAVAILABLE/);
    });
  });
}

describe('progress watchdog (in-memory Kafka)', () => {
  for (const delivery of ['at-least-once', 'exactly-once'] as const) {
    const overrides = { stallTimeoutMs: '200', ...(delivery === 'exactly-once' ? { deliveryGuarantee: delivery, transactionalId: 'unit-0' } : {}) };

    it(`${delivery}: a partition the client stopped fetching is detected, counted, read again and finished`, async (t) => {
      const h = await harness(t, { overrides, records: 24 });
      // Not stuck from the start: the stall comes once partition 0 has delivered and committed some records.
      await until(() => Promise.resolve(h.kafka.committedOffset(IN, 0) > 0n), 'a first commit on partition 0');
      h.consumer.stuck.add(0);
      await h.committedToEnd('after the stall was healed', 30_000);
      const stalls = (await h.metrics.partitionStalls.get()).values[0]?.value ?? 0;
      assert.ok(stalls >= 1, `stalls counted: ${stalls}`);
      assert.ok(h.consumer.seeks.some((s) => s.partition === 0), 'partition 0 read again from its committed offset');
      assert.deepEqual(new Set(recordIdsOut(h.kafka)), await recordsWithEvents(t, 24), 'every record has its events');
      assert.equal(h.watchdog.healthy, true, 'healed at the first try: still healthy');
    });

    it(`${delivery}: a member left with no partitions while the topic has lag and nothing moves joins the group again`, async (t) => {
      const h = await harness(t, { overrides, records: 24 });
      // An assignment computed without the topic's metadata (Kafka 3.9, after a broker restart): nothing for anyone.
      h.consumer.rejoin({ partitions: [] });
      h.kafka.onRejoinRequest = (consumer) => { consumer.rejoin({ partitions: [0, 1] }); };
      await h.committedToEnd('after the watchdog asked to join again', 30_000);
      assert.ok(h.consumer.rejoinRequests >= 1, 'the member asked to join again');
      assert.equal(h.watchdog.healthy, true);
    });

    it(`${delivery}: a partition that stays stalled after healing makes the member unhealthy`, async (t) => {
      const h = await harness(t, { overrides, records: 24 });
      h.consumer.stuck.add(1);
      h.consumer.stuckAfterSeek = true;
      await until(() => Promise.resolve(!h.watchdog.healthy), 'the watchdog to give up', 30_000);
      assert.match(h.watchdog.reason ?? '', /in:1 stalled again/);
      assert.ok(((await h.metrics.partitionStalls.get()).values[0]?.value ?? 0) >= 2);
    });
  }
});

describe('transactional sink (in-memory Kafka)', () => {
  it('a transaction whose commit reply is lost is not sent a second time', async (t) => {
    let lost = 0;
    const h = await harness(t, {
      overrides: { deliveryGuarantee: 'exactly-once', transactionalId: 'unit-0' },
      before: (kafka) => { kafka.fault = (op) => (op === 'transaction-reply' && lost++ < 2 ? outage() : undefined); },
    });
    await h.committedToEnd('after lost commit replies');
    // The last reply was lost after the commit took effect: the sink learns of it on its retry.
    await until(async () => (await h.metrics.recordsProcessed.get()).values[0]?.value === h.total, 'the retry to settle');
    const ids = recordIdsOut(h.kafka);
    const events = (await h.metrics.relationsPublished.get()).values.reduce((n, v) => n + v.value, 0);
    const written = h.kafka.messages(OUT).map((m) => events_.decode(m.value ?? Buffer.alloc(0)).id);
    t.diagnostic(`written ${written.length}, distinct ${new Set(written).size}, published metric ${events}, lost replies ${lost}`);
    assert.equal(new Set(written).size, written.length, 'no event written twice');
    assert.equal(written.length, events);
    assert.deepEqual(new Set(ids), await recordsWithEvents(t, 12));
    assert.ok(h.kafka.producersMade >= 2, 'retried with a new producer');
  });

  it('a transaction in flight across a crash and rejoin commits nothing: its records are read again and sent once', async (t) => {
    // The issue-17 duplicates after a broker restart: a transaction begun before the consumer lost the cluster
    // committed after the rejoin under the new generation, while the rejoined stream read its records again.
    let hold: (() => void) | undefined;
    let reached: (() => void) | undefined;
    const atGate = new Promise<void>((resolve) => { reached = resolve; });
    const h = await harness(t, {
      overrides: { deliveryGuarantee: 'exactly-once', transactionalId: 'unit-0' },
      before: (kafka) => {
        kafka.gate = (op) => {
          if (op !== 'transaction-send' || hold !== undefined || reached === undefined) return undefined;
          reached();
          return new Promise<void>((resolve) => { hold = resolve; });
        };
      },
    });
    await atGate;
    h.consumer.options?.onCrash?.(outage(), true);
    h.consumer.rejoin();
    hold?.();
    await h.committedToEnd('after the crash and rejoin');
    await until(async () => (await h.metrics.recordsProcessed.get()).values[0]?.value === h.total, 'every record processed');
    const written = h.kafka.messages(OUT).map((m) => events_.decode(m.value ?? Buffer.alloc(0)).id);
    assert.equal(written.length - new Set(written).size, 0, 'no event committed twice');
    assert.deepEqual(new Set(recordIdsOut(h.kafka)), await recordsWithEvents(t, 12));
  });
});
