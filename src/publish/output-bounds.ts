/**
 * Bounds on what one record puts on the output topics. A record's metadata map is copied into each of its
 * events, so 300 KB of metadata times a few events made one produce request larger than the broker accepts
 * and stopped the stream. Events carry a bounded copy instead: entries in key order while they fit, and a
 * marker entry saying how many were left out.
 */
import type { OutgoingMessage } from '../kafka/types.js';

export const METADATA_TRUNCATED_KEY = 'relstream.metadata_truncated';

export function boundedMetadata(metadata: Readonly<Record<string, string>>, maxBytes: number): Readonly<Record<string, string>> {
  const keys = Object.keys(metadata);
  let total = 0;
  for (const k of keys) total += Buffer.byteLength(k) + Buffer.byteLength(metadata[k] ?? '') + 4;
  if (total <= maxBytes) return metadata;
  const kept: Record<string, string> = {};
  let used = 0;
  let dropped = 0;
  for (const k of keys.sort()) {
    const size = Buffer.byteLength(k) + Buffer.byteLength(metadata[k] ?? '') + 4;
    if (used + size > maxBytes) {
      dropped++;
      continue;
    }
    kept[k] = metadata[k] ?? '';
    used += size;
  }
  kept[METADATA_TRUNCATED_KEY] = `${dropped} of ${keys.length} entries left out (over ${maxBytes} bytes)`;
  return kept;
}

/** Bytes a message takes in a produce request, with a margin for the record framing. */
export function messageBytes(message: OutgoingMessage): number {
  let size = 64;
  if (message.key !== null) size += typeof message.key === 'string' ? Buffer.byteLength(message.key) : message.key.length;
  if (message.value !== null) size += message.value.length;
  for (const [name, value] of Object.entries(message.headers ?? {})) size += Buffer.byteLength(name) + value.length + 8;
  return size;
}

/**
 * Splits messages into produce requests of at most `maxBytes` (the broker's message.max.bytes bounds a
 * request's record batch). A message larger than maxBytes alone is its own chunk; callers keep those out.
 */
export function chunkByBytes<T extends OutgoingMessage>(messages: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
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
