/**
 * The Confluent wire format of a Schema Registry-framed value: magic byte 0, the schema id as a 4-byte
 * big-endian unsigned integer, then the Avro binary body. Kafka Connect, ksqlDB and Confluent's deserializers
 * read it.
 */
export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}

/** The schema id a framed value names, read in place (the per-message check); undefined when not framed. */
export function schemaIdOf(bytes: Buffer): number | undefined {
  return bytes.length >= HEADER_BYTES && bytes[0] === MAGIC_BYTE ? bytes.readUInt32BE(1) : undefined;
}

export type Unframed = { readonly ok: true; readonly schemaId: number; readonly body: Buffer } | { readonly ok: false; readonly problem: string };

export function unframe(bytes: Buffer): Unframed {
  if (bytes.length < HEADER_BYTES) return { ok: false, problem: `${bytes.length} bytes: shorter than the 5-byte Schema Registry header` };
  if (bytes[0] !== MAGIC_BYTE) return { ok: false, problem: `first byte ${bytes[0] ?? ''} is not the Schema Registry magic byte 0` };
  return { ok: true, schemaId: bytes.readUInt32BE(1), body: bytes.subarray(HEADER_BYTES) };
}
