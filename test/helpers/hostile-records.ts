/**
 * Hostile input for relstream's intake, shared by the property tests and the poison chaos suite: generators
 * of valid Avro TrialRecords with arbitrary field values, of arbitrary and mutated bytes, and the exact
 * shapes the reliability issue found stopping the stream.
 */
import fc from 'fast-check';

import { trialRecordCodec, type TrialRecord } from '../../src/records/avro.js';
import { CORPUS_ENTITY_TYPES } from '../../src/records/entity-types.js';
import { sampleRecords } from './processor.js';

const codec = trialRecordCodec();

/** Strings with the edge cases outside input brings: any code unit (lone surrogates too), astral, empty. */
/** Metadata keys a plain object would take for its prototype's. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;

export const anyString = (maxLength: number) => fc.oneof(
  fc.string({ unit: 'binary', maxLength }),
  fc.string({ unit: 'grapheme', maxLength }),
  fc.string({ maxLength }),
);

export const languages = fc.oneof(
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

export const records: fc.Arbitrary<TrialRecord> = fc.oneof(anyString(400), fc.constantFrom(...sampleRecords().map((r) => r.text)))
  .chain((text) => fc.record({
    id: fc.oneof(anyString(60), fc.constant('x'.repeat(2000))),
    source: fc.option(anyString(20), { nil: null }),
    language: languages,
    text: fc.constant(text),
    entities: entitiesFor(Array.from(text).length),
    // Keys named as Object.prototype's too: an entry like any other, never the map's prototype.
    metadata: fc.dictionary(fc.oneof(anyString(20), fc.constantFrom(...PROTOTYPE_KEYS)), anyString(200), { maxKeys: 20 }),
  }));

/** Arbitrary bytes: nearly always malformed, sometimes (by chance) a decodable record. */
export const hostileBytes = fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes));

/** Encoded records with a few bytes flipped, cut or inserted. */
export const mutate = (recordArbitrary: fc.Arbitrary<TrialRecord>): fc.Arbitrary<Buffer> => fc.tuple(
  recordArbitrary,
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { minLength: 1, maxLength: 5 }),
).map(([record, edits]) => {
  let bytes = Buffer.from(codec.encode(record));
  for (const [at, byte, kind] of edits) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (kind === 'flip') bytes[i] = byte;
    else if (kind === 'cut') bytes = bytes.subarray(0, i);
    else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
  }
  return bytes;
});

/** Zig-zag varint of a long, as Avro writes it. */
export function varint(value: number): Buffer {
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

const sample = (): TrialRecord => {
  const first = sampleRecords()[1];
  if (!first) throw new Error('no sample records');
  return first;
};

/** The shapes that stopped the stream before (the reliability issue), with the verdict each must get. */
export const stoppedTheStream: readonly { readonly name: string; readonly bytes: Buffer; readonly reason: string }[] = [
  { name: 'an array block count of 10⁹', bytes: Buffer.concat([head, varint(1e9), Buffer.alloc(20)]), reason: 'malformed_avro' },
  { name: 'an array block count of −10⁹ with a byte size', bytes: Buffer.concat([head, varint(-1e9), varint(10), Buffer.alloc(20)]), reason: 'malformed_avro' },
  { name: 'a map block count of 10⁹', bytes: Buffer.concat([head, varint(0), varint(1e9), Buffer.alloc(20)]), reason: 'malformed_avro' },
  { name: 'a string length of 2⁵⁰', bytes: Buffer.concat([str('r1'), varint(0), varint(2 ** 50)]), reason: 'malformed_avro' },
  { name: 'a 100k-character id', bytes: codec.encode({ ...sample(), id: 'x'.repeat(100_000) }), reason: 'id_too_long' },
  ...['', 'not a tag!!', 'en_US', 'i-klingon', 'x-private', 'x'.repeat(300), '😀', 'a\u0000b'].map((language) => ({
    name: `language ${JSON.stringify(language.slice(0, 12))}`, bytes: codec.encode({ ...sample(), id: `lang-${language.length}-${language.slice(0, 3)}`, language }), reason: '',
  })),
  { name: '300 KB of metadata', bytes: codec.encode({ ...sample(), id: 'big-metadata', metadata: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v'.repeat(1000)])) }), reason: '' },
];
