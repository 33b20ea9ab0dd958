/**
 * The topics' Avro types, read from schemas/*.avsc (the contract a subscriber in any language needs). Values
 * are plain Avro binary, without schema-registry framing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import avro from 'avsc';

import { RelstreamError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { avroBoundsProblem } from './avro-bounds.js';

export interface TrialRecord {
  readonly id: string;
  readonly source: string | null;
  readonly language: string;
  readonly text: string;
  readonly entities: readonly { readonly id: string; readonly type: string; readonly start: number; readonly end: number }[];
  readonly metadata: Readonly<Record<string, string>>;
}

export interface RelationArgument {
  readonly id: string;
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface RelationEvent {
  readonly id: string;
  readonly recordId: string;
  readonly relation: string;
  readonly score: number;
  readonly rawRelation: string;
  readonly rawScore: number;
  readonly subject: RelationArgument;
  readonly object: RelationArgument;
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string };
  readonly provider: string;
  readonly provenance: { readonly topic: string; readonly partition: number; readonly offset: number };
  readonly processedAt: Date;
  readonly metadata: Readonly<Record<string, string>>;
}

export function schemaPath(name: 'TrialRecord' | 'RelationEvent'): string {
  return join(packageRoot, 'schemas', `${name}.avsc`);
}

/** The schema's JSON text as shipped in schemas/ (what is registered with a Schema Registry). */
export function schemaText(name: 'TrialRecord' | 'RelationEvent'): string {
  return readFileSync(schemaPath(name), 'utf8');
}

/**
 * avsc reads a map's entries by assignment unless patches/avsc+*.patch is applied (`npm run build` does it): a
 * metadata key named __proto__ would be lost from every event, silently. Refuse to run instead.
 */
export function assertMapKeysKept(mapType: avro.Type): void {
  const decoded = mapType.fromBuffer(mapType.toBuffer(Object.fromEntries([['__proto__', 'kept']]))) as object;
  if (!Object.keys(decoded).includes('__proto__')) {
    throw new RelstreamError('RELSTREAM_DEPENDENCY_UNPATCHED', 'avsc lacks relstream\'s patch (a map key named __proto__ is lost, patches/; npm run build applies it): run `npm run build` or `npx patch-package`');
  }
}

let mapKeysChecked = false;

/** An Avro type from schema JSON, with relstream's logical types (a writer schema from a registry, too). */
export function parseAvroType(schemaJson: string): avro.Type {
  if (!mapKeysChecked) {
    assertMapKeysKept(avro.Type.forSchema({ type: 'map', values: 'string' }));
    mapKeysChecked = true;
  }
  return avro.Type.forSchema(JSON.parse(schemaJson) as avro.Schema, { logicalTypes: { 'timestamp-millis': DateType } });
}

/** Parsed once per process: a type is immutable, and parsing (file read and code generation) costs milliseconds. */
const shippedTypes = new Map<'TrialRecord' | 'RelationEvent', avro.Type>();

export function avroType(name: 'TrialRecord' | 'RelationEvent'): avro.Type {
  let type = shippedTypes.get(name);
  if (type === undefined) shippedTypes.set(name, (type = parseAvroType(schemaText(name))));
  return type;
}

/** timestamp-millis as a JavaScript Date. */
class DateType extends avro.types.LogicalType {
  override _fromValue(value: number): Date { return new Date(value); }
  override _toValue(value: unknown): number | undefined { return value instanceof Date ? value.getTime() : undefined; }
  override _resolve(type: avro.Type): ((value: number) => number) | undefined {
    return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? (value: number) => value : undefined;
  }
}

export interface Codec<T> extends RecordDecoder<T> {
  encode(value: T): Buffer;
}

export interface RecordDecoder<T> {
  /**
   * Throws RELSTREAM_RECORD_MALFORMED on bytes that are not exactly one value of the type. Counts and lengths
   * are checked against the bytes first (./avro-bounds.ts), so hostile bytes cannot make it allocate or loop
   * beyond their own size.
   */
  decode(bytes: Buffer): T;
}

/**
 * One value of `reader` from bytes written with `writer` (the same type, or a writer schema resolved against
 * it); RELSTREAM_RECORD_MALFORMED otherwise. The bounds are checked against the writer's type.
 */
export function decodeChecked(reader: avro.Type, bytes: Buffer, writer?: { readonly type: avro.Type; readonly resolver: avro.Resolver }): unknown {
  const problem = avroBoundsProblem(writer?.type ?? reader, bytes);
  if (problem !== undefined) throw new RelstreamError('RELSTREAM_RECORD_MALFORMED', problem);
  try {
    return writer === undefined ? reader.fromBuffer(bytes) : reader.fromBuffer(bytes, writer.resolver);
  } catch (error) {
    throw new RelstreamError('RELSTREAM_RECORD_MALFORMED', (error as Error).message, { cause: error });
  }
}

function codec<T>(type: avro.Type): Codec<T> {
  return { encode: (value) => type.toBuffer(value), decode: (bytes) => decodeChecked(type, bytes) as T };
}

export const trialRecordCodec = (): Codec<TrialRecord> => codec<TrialRecord>(avroType('TrialRecord'));
export const relationEventCodec = (): Codec<RelationEvent> => codec<RelationEvent>(avroType('RelationEvent'));
