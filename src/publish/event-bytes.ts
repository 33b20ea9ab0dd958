/**
 * Relation events as Avro bytes in two halves. An Avro record is its fields' encodings one after another, so an
 * event is spliced from parts: what intake knows (the id, the record id, the arguments, model, provider and
 * provenance, the metadata) is encoded where intake runs, off the main thread (EventParts), and what only
 * inference knows (the labels and scores) and the time are written in between on the main thread (spliceEvent),
 * copies and two doubles. The bytes are avsc's for relationEvent(...) of the same pair, framing included (a
 * property test holds them equal).
 */
import avro from 'avsc';

import type { CodePointIndex } from '../pairs/code-points.js';
import type { TrialRecord } from '../records/avro.js';
import { HEADER_BYTES, MAGIC_BYTE } from '../registry/wire-format.js';
import { ByteArena } from './byte-arena.js';
import { argumentOf, relationEventId, type ModelIdentity } from './relation-event.js';

/** RelationEvent's fields in the order the parts are spliced; the schema must have exactly these. */
const FIELDS = ['id', 'recordId', 'relation', 'score', 'rawRelation', 'rawScore', 'subject', 'object', 'model', 'provider', 'provenance', 'processedAt', 'metadata'] as const;
type Field = (typeof FIELDS)[number];

const DOUBLE_BYTES = 8;
const NOTHING = new Uint8Array(0);

/** The RelationEvent type's fields by name, checked against the order the splice writes. */
function fieldTypes(type: avro.Type): ReadonlyMap<Field, avro.Type> {
  if (!(type instanceof avro.types.RecordType)) throw new Error('relation event bytes need the RelationEvent record type');
  const names = type.fields.map((f) => f.name);
  if (names.join(',') !== FIELDS.join(',')) {
    throw new Error(`RelationEvent's fields are ${names.join(', ')}; the event splice writes ${FIELDS.join(', ')}: update src/publish/event-bytes.ts with the schema`);
  }
  return new Map(type.fields.map((f) => [f.name as Field, f.type]));
}

function field(fields: ReadonlyMap<Field, avro.Type>, name: Field): avro.Type {
  const type = fields.get(name);
  if (type === undefined) throw new Error(`no field ${name}`);
  return type;
}

/** One pair's parts: its event id, and subject, object, model, provider and provenance (adjacent fields). */
export interface PairParts {
  readonly id: Uint8Array;
  readonly middle: Uint8Array;
}

/**
 * A pair whose parts are copied into its events from memory it shares with other pairs (an intake worker's outcome,
 * ../processor/intake-outcomes.ts): no views of its own per event.
 */
export interface PartsWriter {
  readonly idLength: number;
  readonly middleLength: number;
  writeId(into: Uint8Array, at: number): void;
  writeMiddle(into: Uint8Array, at: number): void;
}

export const isPartsWriter = (pair: object): pair is PartsWriter => 'writeId' in pair;

/** Parts with views of their own as a writer: intake on the main thread, and tests. */
const writerOf = (parts: PairParts): PartsWriter => ({
  idLength: parts.id.length,
  middleLength: parts.middle.length,
  writeId: (into, at) => { into.set(parts.id, at); },
  writeMiddle: (into, at) => { into.set(parts.middle, at); },
});

/** One record's parts: its id and its bounded metadata, the same in each of its events. */
export interface RecordParts {
  readonly recordId: Uint8Array;
  readonly metadata: Uint8Array;
}

type Provenance = { topic: string; partition: number; offset: number };

/** An Avro string of ASCII characters (an event id's hex digits): its zigzag varint length, then the bytes. */
function asciiString(value: string, arena: ByteArena): Buffer {
  let length = 2 * value.length;
  let head = 1;
  while (length >= 0x80 ** head) head++;
  const bytes = arena.take(head + value.length);
  for (let i = 0; i < head; i++, length = Math.floor(length / 0x80)) bytes[i] = (length % 0x80) | (i < head - 1 ? 0x80 : 0);
  bytes.write(value, head, 'latin1');
  return bytes;
}

/** Three parts one after another in the arena: TypedArray#set, where Buffer.concat's copies cross into C++ per part. */
function joinBytes(a: Uint8Array, b: Uint8Array, c: Uint8Array, arena: ByteArena): Buffer {
  const joined = arena.take(a.length + b.length + c.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  joined.set(c, a.length + b.length);
  return joined;
}

/** Encodes the parts intake knows, once each: a record's, and each pair's with its arguments cached per entity. */
export class EventParts {
  readonly #fields: ReadonlyMap<Field, avro.Type>;
  /** The subject's type, which the object shares; looked up once, not per pair. */
  readonly #argumentType: avro.Type;
  readonly #provenanceType: avro.Type;
  readonly #model: Buffer;
  readonly #modelId: string;
  readonly #arena = new ByteArena();
  /** The model, provider and provenance bytes of the last provenance seen: intake passes one per record. */
  #tail: { readonly provenance: Provenance; readonly bytes: Buffer } | undefined;

  constructor(type: avro.Type, model: ModelIdentity, provider: string) {
    this.#fields = fieldTypes(type);
    this.#argumentType = field(this.#fields, 'subject');
    this.#provenanceType = field(this.#fields, 'provenance');
    this.#model = Buffer.concat([field(this.#fields, 'model').toBuffer(model), field(this.#fields, 'provider').toBuffer(provider)]);
    this.#modelId = `${model.name}@${model.version}#${model.sha256}`;
  }

  record(record: TrialRecord, metadata: Readonly<Record<string, string>>): RecordParts {
    return { recordId: this.#arena.encode(field(this.#fields, 'recordId'), record.id), metadata: this.#arena.encode(field(this.#fields, 'metadata'), metadata) };
  }

  /** A pair's parts; `cache` keeps each entity's encoded argument for the record's other pairs. */
  pair(record: TrialRecord, text: CodePointIndex, subjectIndex: number, objectIndex: number, provenance: Provenance, cache: Map<number, Buffer>): PairParts {
    const subject = record.entities[subjectIndex];
    const object = record.entities[objectIndex];
    const id = relationEventId(record.id, subject?.id ?? '', object?.id ?? '', this.#modelId);
    if (this.#tail?.provenance !== provenance) {
      const encoded = this.#arena.encode(this.#provenanceType, provenance);
      this.#tail = { provenance, bytes: joinBytes(this.#model, encoded, NOTHING, this.#arena) };
    }
    const middle = joinBytes(this.#argument(record, text, subjectIndex, cache), this.#argument(record, text, objectIndex, cache), this.#tail.bytes, this.#arena);
    return { id: asciiString(id, this.#arena), middle };
  }

  #argument(record: TrialRecord, text: CodePointIndex, index: number, cache: Map<number, Buffer>): Buffer {
    let bytes = cache.get(index);
    if (bytes === undefined) {
      bytes = this.#arena.encode(this.#argumentType, argumentOf(record, text, index));
      cache.set(index, bytes);
    }
    return bytes;
  }
}

/** The main thread's half: label names and the time encoded once, and each event spliced from its parts. */
export class EventSplice {
  readonly #header: Uint8Array;
  readonly #labels: readonly Buffer[];
  readonly #fields: ReadonlyMap<Field, avro.Type>;

  /** `header`: bytes before each value (the Schema Registry frame), or none for plain Avro. */
  constructor(type: avro.Type, header: Uint8Array, labels: readonly string[]) {
    this.#fields = fieldTypes(type);
    this.#header = header;
    this.#labels = labels.map((label) => field(this.#fields, 'relation').toBuffer(label));
  }

  /** processedAt encoded: once per batch, every event of which shares it. */
  timestamp(at: Date): Buffer {
    return field(this.#fields, 'processedAt').toBuffer(at);
  }

  #label(labelId: number): Buffer {
    return this.#labels[labelId] ?? field(this.#fields, 'relation').toBuffer(String(labelId));
  }

  event(record: RecordParts, pair: PairParts | PartsWriter, labelId: number, score: number, rawLabelId: number, rawScore: number, timestamp: Uint8Array): Buffer {
    const relation = this.#label(labelId);
    const rawRelation = this.#label(rawLabelId);
    const writer = isPartsWriter(pair) ? pair : writerOf(pair);
    const size = this.#header.length + writer.idLength + record.recordId.length + relation.length + rawRelation.length + 2 * DOUBLE_BYTES
      + writer.middleLength + timestamp.length + record.metadata.length;
    const value = Buffer.allocUnsafe(size);
    // TypedArray set, not Buffer copy: copy crosses into C++ per call, a fifth of the splice's time. Written out,
    // not through a helper closure: an event allocates its buffer and nothing else.
    value.set(this.#header, 0);
    let at = this.#header.length;
    writer.writeId(value, at);
    at += writer.idLength;
    value.set(record.recordId, at);
    at += record.recordId.length;
    value.set(relation, at);
    at = value.writeDoubleLE(score, at + relation.length);
    value.set(rawRelation, at);
    at = value.writeDoubleLE(rawScore, at + rawRelation.length);
    writer.writeMiddle(value, at);
    at += writer.middleLength;
    value.set(timestamp, at);
    value.set(record.metadata, at + timestamp.length);
    return value;
  }
}

const STRING = avro.Type.forSchema('string');

/**
 * The event id in an event's value, for a log line: its first field, after the Schema Registry frame where there
 * is one (an unframed value starts with the id's length, never 0, where a frame starts with its magic byte 0).
 */
export function eventIdIn(value: Uint8Array): string {
  const decoded = STRING.decode(Buffer.from(value.buffer, value.byteOffset, value.byteLength), value[0] === MAGIC_BYTE ? HEADER_BYTES : 0).value as unknown;
  return typeof decoded === 'string' ? decoded : '';
}
