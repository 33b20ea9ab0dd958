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
    const task: RecordTask = { partition: state, offset: BigInt(offset), message, recordId: outcome.recordId, parts: outcome.parts, pairCount: outcome.pairs.length, events: [] };
    return [outcome.pairs.map((p) => ({ task, pair: { inputIds: p.inputIds, spanIdxs: p.spanIdxs }, allowedLabels: p.allowedLabels, parts: p.parts, length: p.inputIds.length }))];
  });
}

function harness(lingerMs: number) {
  const deliveries: (readonly RecordTask[])[] = [];
  const sink: Pick<Sink, 'deliver' | 'deadLetter'> = {
    deliver: (tasks) => {
      deliveries.push(tasks);
      return Promise.resolve([]);
    },
    deadLetter: () => Promise.resolve([]),
  };
  const runner = createBatchRunner({
    config: { minScore: 0, outputLingerMs: lingerMs }, bundle, pool: instantPool(bundle.config.labels.length),
    splice: new EventSplice(avroType('RelationEvent'), Buffer.alloc(0), bundle.config.labels),
    metrics: createMetrics(new Registry(), { defaultMetrics: false }), sink: sink as Sink,
    finish: () => undefined, onFatal: (error) => { throw error; },
  });
  return { runner, deliveries };
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

  it('a flush sends what lingers without waiting for the linger (a shutdown\'s drain)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { runner, deliveries } = harness(60_000);
    for (const jobs of recordBatches()) await runner.run(jobs, []);
    await runner.flush();
    assert.equal(deliveries.length, 1);
  });
});
