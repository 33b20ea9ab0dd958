/**
 * Intake is total (the reliability issue): whatever bytes arrive, RecordIntake.take returns a verdict (pair
 * jobs or a dead letter with a reason), never throws, and takes time and memory bounded by the input's own
 * size. Properties over generated hostile input: valid Avro records with arbitrary field values (Unicode edge
 * cases, any offsets, any types, any language string, large metadata) and arbitrary or mutated byte strings;
 * plus the exact shapes the issue found stopping the stream.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import fc from 'fast-check';
import { Registry } from 'prom-client';

import { PartitionState } from '../../../src/commit/record-task.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { IncomingMessage } from '../../../src/kafka/types.js';
import { loadModelDir, type ModelBundle } from '../../../src/model/model-dir.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { RecordIntake, type Intake } from '../../../src/processor/record-intake.js';
import { trialRecordCodec, type TrialRecord } from '../../../src/records/avro.js';
import { CORPUS_ENTITY_TYPES } from '../../../src/records/entity-types.js';
import { DEAD_LETTER_REASONS } from '../../../src/records/validate-record.js';
import { tinyModelDir } from '../../helpers/model.js';
import { sampleRecords } from '../../helpers/processor.js';

const codec = trialRecordCodec();
/** Far above any honest record's intake (a few ms); far below the 30 s stall the issue found. */
const MAX_INTAKE_MS = 2000;

let bundle: ModelBundle;
let intake: RecordIntake;
let metrics: ReturnType<typeof createMetrics>;
before(async () => {
  bundle = await loadModelDir(tinyModelDir);
  metrics = createMetrics(new Registry(), { defaultMetrics: false });
  intake = new RecordIntake(loadConfig({ env: {} }), bundle, codec, metrics);
});

const message = (value: Buffer | null, offset = 0): IncomingMessage => ({
  topic: 'in', partition: 0, offset: String(offset), key: null, value, headers: {}, timestampMs: 0,
});

/** Takes one message and checks what must hold for every verdict. */
function takeChecked(value: Buffer | null): Intake {
  const started = performance.now();
  const verdict = intake.take(message(value), new PartitionState('in', 0, 1));
  const ms = performance.now() - started;
  assert.ok(ms < MAX_INTAKE_MS, `intake took ${ms.toFixed(0)} ms`);
  if (verdict.kind === 'dead-letter') {
    assert.ok((DEAD_LETTER_REASONS as readonly string[]).includes(verdict.reason), verdict.reason);
    assert.ok(verdict.message.length > 0);
  } else {
    assert.equal(verdict.task.pendingPairs, verdict.jobs.length);
    for (const job of verdict.jobs) {
      assert.ok(job.length <= bundle.config.maxLength, `pair of ${job.length} tokens`);
      assert.ok(job.pair.spanIdxs.every((i) => i > 0 && i < job.length));
    }
  }
  return verdict;
}

/** Strings with the edge cases outside input brings: any code unit (lone surrogates too), astral, empty. */
const anyString = (maxLength: number) => fc.oneof(
  fc.string({ unit: 'binary', maxLength }),
  fc.string({ unit: 'grapheme', maxLength }),
  fc.string({ maxLength }),
);

const languages = fc.oneof(
  fc.constantFrom('', 'es', 'es-ES', 'en', 'not a tag!!', 'en_US', 'i-klingon', 'x-private', 'zz', '😀', 'a\u0000b', 'x'.repeat(300), 'en-u-co-phonebk'),
  anyString(40),
);

const anyOffset = fc.oneof(fc.integer({ min: -5, max: 400 }), fc.constantFrom(-2147483648, 2147483647, 0));

/** Entities mostly inside the text and of types the model pairs, some anywhere and of any type. */
const entitiesFor = (length: number) => fc.array(fc.oneof(
  { weight: 4, arbitrary: fc.record({
    id: fc.oneof(fc.constantFrom('T1', 'T2', 'T3', 'T4', 'T5'), anyString(10)),
    type: fc.constantFrom('CHEM', 'DISO', 'Dose', 'Frequency', 'Route', 'LIVB', 'Age', 'ANAT', 'PROC', 'Duration'),
    start: fc.integer({ min: 0, max: Math.max(0, length - 1) }),
    end: fc.integer({ min: 0, max: 12 }),
  }).map((e) => ({ ...e, end: Math.min(length, e.start + 1 + e.end) })) },
  { weight: 1, arbitrary: fc.record({ id: anyString(10), type: fc.oneof(fc.constantFrom(...CORPUS_ENTITY_TYPES), anyString(8)), start: anyOffset, end: anyOffset }) },
), { maxLength: 40 });

const records: fc.Arbitrary<TrialRecord> = fc.oneof(anyString(400), fc.constantFrom(...sampleRecords().map((r) => r.text)))
  .chain((text) => fc.record({
    id: fc.oneof(anyString(60), fc.constant('x'.repeat(2000))),
    source: fc.option(anyString(20), { nil: null }),
    language: languages,
    text: fc.constant(text),
    entities: entitiesFor(Array.from(text).length),
    metadata: fc.dictionary(anyString(20), anyString(200), { maxKeys: 20 }),
  }));

describe('record intake is total (property-based)', () => {
  it('valid Avro records with arbitrary field values end as pair jobs or one dead letter', () => {
    const kinds = new Map<string, number>();
    fc.assert(fc.property(records, (record) => {
      const verdict = takeChecked(codec.encode(record));
      const kind = verdict.kind === 'pairs' ? (verdict.jobs.length > 0 ? 'jobs' : 'no-jobs') : verdict.reason;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }), { numRuns: 1500 });
    // The generators must reach the deep paths (sentences, pairs, encoding), not only the first validation.
    assert.ok((kinds.get('jobs') ?? 0) >= 50, JSON.stringify([...kinds]));
  });

  it('sample records with arbitrary language tags and shifted entities still get a verdict', () => {
    const samples = sampleRecords();
    fc.assert(fc.property(fc.integer({ min: 0, max: samples.length - 1 }), languages, fc.integer({ min: -3, max: 3 }), (i, language, shift) => {
      const sample = samples[i];
      if (!sample) return;
      const record = { ...sample, language, entities: sample.entities.map((e) => ({ ...e, start: e.start + shift, end: e.end + shift })) };
      takeChecked(codec.encode(record));
    }), { numRuns: 500 });
  });

  it('arbitrary bytes end as a verdict, never an exception', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => { takeChecked(Buffer.from(bytes)); }), { numRuns: 3000 });
  });

  it('valid records with bytes flipped, cut or inserted end as a verdict', () => {
    fc.assert(fc.property(records, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { minLength: 1, maxLength: 5 }), (record, edits) => {
      let bytes = Buffer.from(codec.encode(record));
      for (const [at, byte, kind] of edits) {
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (kind === 'flip') bytes[i] = byte;
        else if (kind === 'cut') bytes = bytes.subarray(0, i);
        else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
      }
      takeChecked(bytes);
    }), { numRuns: 1500 });
  });
});

/** Zig-zag varint of a long, as Avro writes it. */
function varint(value: number): Buffer {
  let n = value >= 0 ? value * 2 : -value * 2 - 1;
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

const str = (s: string): Buffer => Buffer.concat([varint(Buffer.byteLength(s)), Buffer.from(s)]);
/** id, source (null), language, text: the fields before entities. */
const head = Buffer.concat([str('r1'), varint(0), str('es'), str('Aspirina cada 8 horas.')]);

describe('the shapes that stopped the stream', () => {
  const heapGrowthMiB = (work: () => void): number => {
    const before = process.memoryUsage().heapUsed;
    work();
    return (process.memoryUsage().heapUsed - before) / 2 ** 20;
  };

  for (const [name, bytes] of [
    ['an array block count of 10⁹', Buffer.concat([head, varint(1e9), Buffer.alloc(20)])],
    ['an array block count of −10⁹ with a byte size', Buffer.concat([head, varint(-1e9), varint(10), Buffer.alloc(20)])],
    ['a map block count of 10⁹', Buffer.concat([head, varint(0), varint(1e9), Buffer.alloc(20)])],
    ['a string length of 2⁵⁰', Buffer.concat([str('r1'), varint(0), varint(2 ** 50)])],
  ] as const) {
    it(`${name} is malformed_avro, decided without allocating for the claim`, () => {
      let verdict: Intake | undefined;
      const growth = heapGrowthMiB(() => { verdict = takeChecked(bytes); });
      assert.equal(verdict?.kind === 'dead-letter' ? verdict.reason : verdict?.kind, 'malformed_avro');
      assert.ok(growth < 50, `heap grew ${growth.toFixed(1)} MiB`);
    });
  }

  it('language tags Intl rejects fall back to the default language and are counted', async () => {
    const sample = sampleRecords().find((r) => r.id === 'demo-0002');
    assert.ok(sample);
    const before = (await metrics.languageFallbacks.get()).values[0]?.value ?? 0;
    const tags = ['', 'not a tag!!', 'en_US', 'i-klingon', 'x-private', 'x'.repeat(300), '😀', 'a\u0000b'];
    for (const language of tags) {
      const verdict = takeChecked(codec.encode({ ...sample, language }));
      assert.equal(verdict.kind, 'pairs', `language ${JSON.stringify(language.slice(0, 20))}`);
      assert.ok(verdict.jobs.length > 0);
    }
    assert.equal(((await metrics.languageFallbacks.get()).values[0]?.value ?? 0) - before, tags.length);
  });

  it('a 100k-character id is a dead letter (id_too_long), not 100 KB copied into every event', () => {
    const sample = sampleRecords()[0];
    assert.ok(sample);
    const verdict = takeChecked(codec.encode({ ...sample, id: 'x'.repeat(100_000) }));
    assert.equal(verdict.kind === 'dead-letter' && verdict.reason, 'id_too_long');
  });

  it('300 KB of metadata is bounded to maxMetadataBytes in what the events carry', () => {
    const sample = sampleRecords()[1];
    assert.ok(sample);
    const metadata = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
    const verdict = takeChecked(codec.encode({ ...sample, metadata }));
    assert.equal(verdict.kind, 'pairs');
    const carried = verdict.task.metadata;
    const bytes = Object.entries(carried).reduce((n, [k, v]) => n + k.length + v.length, 0);
    assert.ok(bytes <= 16_384 + 200, `${bytes} bytes of metadata per event`);
    assert.match(carried['relstream.metadata_truncated'] ?? '', /left out/);
  });

  it('an unexpected error while taking a record is the dead letter internal_error, counted', async () => {
    const broken = new RecordIntake(loadConfig({ env: {} }), bundle, { encode: () => Buffer.alloc(0), decode: () => ({ id: 'x' }) as unknown as TrialRecord }, metrics);
    const verdict = broken.take(message(Buffer.from([1])), new PartitionState('in', 0, 1));
    assert.equal(verdict.kind === 'dead-letter' && verdict.reason, 'internal_error');
    assert.equal((await metrics.internalErrors.get()).values.find((v) => v.labels.stage === 'intake')?.value, 1);
  });
});
