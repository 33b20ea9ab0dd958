/**
 * Kafka's key hash (the Java client's `Utils.murmur2`), in 32-bit integer arithmetic as Java computes it. Both
 * clients' own ports work in 64 bits (kafkajs's Long, @platformatic/kafka's BigInt, whose product grows by 31 bits
 * per word of key): the same low 32 bits at several times the cost, and a BigInt per step on the main thread.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const words = length & ~3;
  let h = SEED ^ length;
  for (let i = 0; i < words; i += 4) {
    let k = (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= (data[words + 2] ?? 0) << 16;
    if (rest >= 2) h ^= (data[words + 1] ?? 0) << 8;
    h ^= data[words] ?? 0;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
