/**
 * The batch runner's output linger (outputLingerMs): records finished within it share one delivery (one produce
 * request), with no linger each batch's records go at once. On node:test's mock clock: exact, whatever the speed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { Registry } from 'prom-client';

import { PartitionState, type RecordTask } from '../../../src/commit/record-task.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { InferencePool } from '../../../src/inference/inference-pool.js';
import { loadModelDir, type ModelBundle } from '../../../src/model/model-dir.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createBatchRunner } from '../../../src/processor/batch-runner.js';
import type { PairJob } from '../../../src/processor/pair-job.js';
import { RecordIntake } from '../../../src/processor/record-intake.js';
import { EventParts, EventSplice } from '../../../src/publish/event-bytes.js';
import { modelIdentity } from '../../../src/publish/relation-event.js';
import type { Sink } from '../../../src/publish/sink.js';
import { avroType, trialRecordCodec } from '../../../src/records/avro.js';
import { tinyModelDir } from '../../helpers/model.js';
import { sampleRecords } from '../../helpers/processor.js';

let bundle: ModelBundle;
before(async () => { bundle = await loadModelDir(tinyModelDir); });

/** Every pair certain of label 0, at once. */
function instantPool(numLabels: number): InferencePool {
  return {
    provider: 'cpu',
    run: (pairs) => Promise.resolve(new Float32Array(pairs.length * numLabels).fill(-10).map((v, i) => (i % numLabels === 0 ? 10 : v))),
    close: () => Promise.resolve(),
  };
}

/** One record's pair jobs per sample record with pairs, each record its own batch. */
function recordBatches(): PairJob[][] {
  const codec = trialRecordCodec();
  const intake = new RecordIntake(loadConfig({ env: {} }), bundle, codec, new EventParts(avroType('RelationEvent'), modelIdentity(bundle.config), 'cpu'));
  const state = new PartitionState('in', 0);
  return sampleRecords().flatMap((record, offset) => {
    const message = { topic: 'in', partition: 0, offset: String(offset), key: null, value: codec.encode(record), headers: {}, timestampMs: 0 };
    const outcome = intake.take(message);
    if (outcome.kind !== 'pairs' || outcome.pairs.length === 0) return [];
    const task: RecordTask = { partition: state, offset: BigInt(offset), message, recordId: outcome.recordId, parts: outcome.parts, pairsPending: outcome.pairs.length, events: [], relations: [] };
    return [outcome.pairs.map((pair) => ({ task, pair, length: pair.inputIds.length }))];
  });
}

/** A sink whose deliveries end when the test says (acknowledge), or at once. */
function harness(lingerMs: number, options: { outputBufferBytes?: number; held?: boolean } = {}) {
  const deliveries: (readonly RecordTask[])[] = [];
  const pending: (() => void)[] = [];
  const sink: Pick<Sink, 'deliver' | 'deadLetter'> = {
    deliver: (tasks) => {
      deliveries.push(tasks);
      return options.held ? new Promise((resolve) => pending.push(() => { resolve([]); })) : Promise.resolve([]);
    },
    deadLetter: () => Promise.resolve([]),
  };
  const acknowledge = (): void => { pending.shift()?.(); };
  const runner = createBatchRunner({
    config: { minScore: 0, outputLingerMs: lingerMs, outputBufferBytes: options.outputBufferBytes ?? 1_000_000 }, bundle, pool: instantPool(bundle.config.labels.length),
    splice: new EventSplice(avroType('RelationEvent'), Buffer.alloc(0), bundle.config.labels),
    metrics: createMetrics(new Registry(), { defaultMetrics: false }), sink: sink as Sink,
    finish: () => undefined, onFatal: (error) => { throw error; },
  });
  return { runner, deliveries, acknowledge };
}

const eventBytes = (jobs: readonly PairJob[]): number => {
  let bytes = 0;
  for (const value of jobs[0]?.task.events ?? []) bytes += value.length;
  return bytes;
};

/** Whether the promise settles before the microtasks queued now have run, and a macrotask after them. */
async function settlesNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => { settled = true; });
  await new Promise((resolve) => { setImmediate(resolve); });
  return settled;
}

describe('batch runner output linger', () => {
  it('records finished within the linger go in one delivery, sent when it is over', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const batches = recordBatches();
    assert.ok(batches.length >= 3, `sample records with pairs: ${batches.length}`);
    const { runner, deliveries } = harness(5);
    for (const jobs of batches) await runner.run(jobs, []);
    assert.equal(deliveries.length, 0, 'nothing sent before the linger is over');
    t.mock.timers.tick(5);
    await runner.flush();
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0]?.length, batches.length, 'every finished record in it');
  });

  it('without a linger each batch\'s records are delivered at once', async () => {
    const batches = recordBatches();
    const { runner, deliveries } = harness(0);
    for (const jobs of batches) await runner.run(jobs, []);
    await runner.flush();
    assert.equal(deliveries.length, batches.length);
  });

  it('with every delivery slot busy, inference goes on until outputBufferBytes of events wait, which the next delivery takes whole', async () => {
    const batches = recordBatches();
    assert.ok(batches.length >= 5, `sample records with pairs: ${batches.length}`);
    const { runner, deliveries, acknowledge } = harness(0, { outputBufferBytes: 1, held: true });
    // Two deliveries take the slots; the third batch's records wait.
    for (const jobs of batches.slice(0, 2)) assert.equal(await settlesNow(runner.run(jobs, [])), true);
    assert.equal(deliveries.length, 2);
    const third = runner.run(batches[2] ?? [], []);
    assert.equal(await settlesNow(third), false, 'the buffer is full: the batch waits for a slot');
    assert.ok(eventBytes(batches[2] ?? []) >= 1, 'the waiting record has events');
    acknowledge();
    assert.equal(await settlesNow(third), true, 'a finished delivery took what waited');
    assert.equal(deliveries.length, 3);

    // With room for more than one record's events, later records wait together while the slots stay busy.
    // New tasks: a task counts its pairs down as they come back, once, as an admitted record's do.
    const roomy = harness(0, { outputBufferBytes: 1_000_000, held: true });
    for (const jobs of recordBatches()) assert.equal(await settlesNow(roomy.runner.run(jobs, [])), true, 'no batch waits while the buffer has room');
    assert.equal(roomy.deliveries.length, 2);
    roomy.acknowledge();
    await settlesNow(Promise.resolve());
    assert.equal(roomy.deliveries.length, 3);
    assert.equal(roomy.deliveries[2]?.length, batches.length - 2, 'one delivery carries every record that waited');
    for (let i = 0; i < 3; i++) roomy.acknowledge();
    await roomy.runner.flush();
    acknowledge();
    acknowledge();
    await runner.flush();
  });

  it('a flush sends what lingers without waiting for the linger (a shutdown\'s drain)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { runner, deliveries } = harness(60_000);
    for (const jobs of recordBatches()) await runner.run(jobs, []);
    await runner.flush();
    assert.equal(deliveries.length, 1);
  });
});
