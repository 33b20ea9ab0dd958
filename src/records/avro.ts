/**
 * The topics' Avro types, read from schemas/*.avsc (the contract a subscriber in any language needs). Values
 * are plain Avro binary, without schema-registry framing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import avro from 'avsc';

import { packageRoot } from '../paths.js';

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

function loadType(name: 'TrialRecord' | 'RelationEvent'): avro.Type {
  return avro.Type.forSchema(JSON.parse(readFileSync(schemaPath(name), 'utf8')) as avro.Schema, { logicalTypes: { 'timestamp-millis': DateType } });
}

/** timestamp-millis as a JavaScript Date. */
class DateType extends avro.types.LogicalType {
  override _fromValue(value: number): Date { return new Date(value); }
  override _toValue(value: unknown): number | undefined { return value instanceof Date ? value.getTime() : undefined; }
  override _resolve(type: avro.Type): ((value: number) => number) | undefined {
    return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? (value: number) => value : undefined;
  }
}

export interface Codec<T> {
  encode(value: T): Buffer;
  /** Throws on bytes that are not exactly one value of the type. */
  decode(bytes: Buffer): T;
}

function codec<T>(type: avro.Type): Codec<T> {
  return {
    encode: (value) => type.toBuffer(value),
    decode: (bytes) => type.fromBuffer(bytes) as T,
  };
}

export const trialRecordCodec = (): Codec<TrialRecord> => codec<TrialRecord>(loadType('TrialRecord'));
export const relationEventCodec = (): Codec<RelationEvent> => codec<RelationEvent>(loadType('RelationEvent'));
