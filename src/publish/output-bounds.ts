/**
 * Bounds on what one record puts on the output topics. A record's metadata map is copied into each of its
 * events, so 300 KB of metadata times a few events made one produce request larger than the broker accepts
 * and stopped the stream. Events carry a bounded copy instead: entries in key order while they fit, and a
 * marker entry saying how many were left out.
 */
import type { Headers, OutgoingMessage } from '../kafka/types.js';

export const METADATA_TRUNCATED_KEY = 'relstream.metadata_truncated';

export function boundedMetadata(metadata: Readonly<Record<string, string>>, maxBytes: number): Readonly<Record<string, string>> {
  const keys = Object.keys(metadata);
  let total = 0;
  for (const k of keys) total += Buffer.byteLength(k) + Buffer.byteLength(metadata[k] ?? '') + 4;
  if (total <= maxBytes) return metadata;
  const kept: [string, string][] = [];
  let used = 0;
  let dropped = 0;
  for (const k of keys.sort()) {
    const size = Buffer.byteLength(k) + Buffer.byteLength(metadata[k] ?? '') + 4;
    if (used + size > maxBytes) {
      dropped++;
      continue;
    }
    kept.push([k, metadata[k] ?? '']);
    used += size;
  }
  kept.push([METADATA_TRUNCATED_KEY, `${dropped} of ${keys.length} entries left out (over ${maxBytes} bytes)`]);
  // fromEntries: a key named __proto__ is an entry like any other, not the object's prototype.
  return Object.fromEntries(kept);
}

/**
 * Bytes a message takes in a produce request besides its value: key, headers and a margin for the record framing.
 * The same for all of a record's events (they share key and headers): callers measure it once per record.
 */
export function envelopeBytes(key: OutgoingMessage['key'], headers: Headers | undefined): number {
  let size = 64;
  if (key !== null) size += typeof key === 'string' ? Buffer.byteLength(key) : key.length;
  if (headers !== undefined) for (const name of Object.keys(headers)) size += Buffer.byteLength(name) + (headers[name]?.length ?? 0) + 8;
  return size;
}

/** Bytes a message takes in a produce request, with a margin for the record framing. */
export function messageBytes(message: OutgoingMessage): number {
  return envelopeBytes(message.key, message.headers) + (message.value === null ? 0 : message.value.length);
}

/**
 * Splits messages into produce requests of at most `maxBytes` (the broker's message.max.bytes bounds a
 * request's record batch). A message larger than maxBytes alone is its own chunk; callers keep those out.
 */
export function chunkByBytes<T extends OutgoingMessage>(messages: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  // A record's events share their key and headers objects: the envelope is measured once per record.
  let envelopeOf: Pick<OutgoingMessage, 'key' | 'headers'> | undefined;
  let envelope = 0;
  for (const message of messages) {
    if (envelopeOf?.key !== message.key || envelopeOf.headers !== message.headers) {
      envelopeOf = message;
      envelope = envelopeBytes(message.key, message.headers);
    }
    const size = envelope + (message.value === null ? 0 : message.value.length);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
