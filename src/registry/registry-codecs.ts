/**
 * Values framed for a Schema Registry: relation events encoded under the id their schema was registered as,
 * and input records decoded with the writer schema their frame names, resolved against relstream's TrialRecord
 * (so producers may evolve the schema compatibly).
 */
import type avro from 'avsc';

import { RelstreamError } from '../errors.js';
import { avroType, decodeChecked, parseAvroType, type Codec, type RecordDecoder } from '../records/avro.js';
import type { SchemaRegistryClient } from './registry-client.js';
import { frame, schemaIdOf, unframe } from './wire-format.js';

/** `codec`'s values framed with `schemaId`. */
export function framedCodec<T>(codec: Codec<T>, schemaId: number): Codec<T> {
  return {
    encode: (value) => frame(schemaId, codec.encode(value)),
    decode: (bytes) => {
      const unframed = unframe(bytes);
      if (!unframed.ok) throw new RelstreamError('RELSTREAM_RECORD_MALFORMED', unframed.problem);
      return codec.decode(unframed.body);
    },
  };
}

/**
 * What the processor asks before it decodes a record: the writer schema id it must load first, if any. Plain
 * Avro needs none (PLAIN_AVRO_SCHEMAS).
 */
export interface WriterSchemas {
  /** The id to load before `value` can be decoded; undefined when it is loaded, or when the value is not framed. */
  missing(value: Buffer | null): number | undefined;
  /** Fetches and prepares the writer schema `id`; throws only what a retry can help (registry unreachable, id unknown). */
  load(id: number): Promise<void>;
}

export const PLAIN_AVRO_SCHEMAS: WriterSchemas = { missing: () => undefined, load: () => Promise.resolve() };

/**
 * The text of each writer schema loaded, for a decoder in another thread: an intake worker learns from it the
 * writer schemas its chunk names (../processor/intake-service.ts).
 */
export interface WriterSchemaTexts {
  /** The schema text `id` was loaded as; undefined when it is not loaded. */
  textOf(id: number): string | undefined;
}

type Writer = ({ readonly type: avro.Type; readonly resolver: avro.Resolver } | { readonly problem: string }) & { readonly text: string };

/** Writer schemas kept at most: ids are few in practice; the bound keeps hostile ids from growing memory. */
const MAX_WRITERS = 1000;

/** Values in the Confluent wire format (input records; relation events for `relstream consume`), decoded as `name`. */
export class RegistryDecoder<T> implements RecordDecoder<T>, WriterSchemas, WriterSchemaTexts {
  private readonly reader: avro.Type;
  private readonly writers = new Map<number, Writer>();

  constructor(private readonly name: 'TrialRecord' | 'RelationEvent', private readonly registry: Pick<SchemaRegistryClient, 'schemaById'>) {
    this.reader = avroType(name);
  }

  missing(value: Buffer | null): number | undefined {
    const id = value === null ? undefined : schemaIdOf(value);
    return id === undefined || this.writers.has(id) ? undefined : id;
  }

  async load(id: number): Promise<void> {
    if (this.writers.has(id)) return;
    this.learn(id, await this.registry.schemaById(id));
  }

  /**
   * Takes `text` as the writer schema `id` without asking the registry (an id's schema never changes). One already
   * known is not parsed again but becomes the newest, so the ids a chunk names, learnt before it is decoded, are
   * the last to be dropped for the bound.
   */
  learn(id: number, text: string): void {
    const known = this.writers.get(id);
    if (known !== undefined) {
      this.writers.delete(id);
      this.writers.set(id, known);
      return;
    }
    let writer: Writer;
    try {
      const type = parseAvroType(text);
      writer = { type, resolver: this.reader.createResolver(type), text };
    } catch (error) {
      // Not retriable: every record written with this schema goes to the dead-letter topic, saying why.
      writer = { problem: `writer schema ${id} cannot be read as ${this.name}: ${(error as Error).message}`, text };
    }
    if (this.writers.size >= MAX_WRITERS) this.writers.delete(this.writers.keys().next().value ?? id);
    this.writers.set(id, writer);
  }

  textOf(id: number): string | undefined {
    return this.writers.get(id)?.text;
  }

  decode(bytes: Buffer): T {
    const unframed = unframe(bytes);
    if (!unframed.ok) throw new RelstreamError('RELSTREAM_RECORD_MALFORMED', `not in the Schema Registry wire format : ${unframed.problem}`);
    const writer = this.writers.get(unframed.schemaId);
    // The processor loads the schema before intake; reaching here without it is a bug, reported as one.
    if (writer === undefined) throw new Error(`writer schema ${unframed.schemaId} was not loaded before decoding`);
    if ('problem' in writer) throw new RelstreamError('RELSTREAM_RECORD_MALFORMED', writer.problem);
    return decodeChecked(this.reader, unframed.body, writer) as T;
  }
}
