/**
 * Checks Avro binary against its schema before avsc decodes it. avsc trusts the counts and lengths the bytes
 * claim: an array block of 10⁹ items makes it allocate for 10⁹ (heap exhaustion) and a map block of 10⁹
 * entries keeps it looping for seconds. Here every count and length is checked against the bytes that
 * remain before anything is allocated, so decoding costs time and memory in proportion to the input's size.
 */
import type avro from 'avsc';

/** Items of a type that encodes to zero bytes (null, empty records) cannot be bounded by the bytes left. */
const MAX_ZERO_SIZE_ITEMS = 10_000;

/** Why bytes are not one value of the type, or undefined when they are well-formed enough to decode. */
export function avroBoundsProblem(type: avro.Type, bytes: Uint8Array): string | undefined {
  const cursor = { bytes, pos: 0 };
  try {
    skip(type, cursor);
  } catch (error) {
    return (error as Error).message;
  }
  return cursor.pos === bytes.length ? undefined : `${bytes.length - cursor.pos} trailing bytes after the value`;
}

interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
}

function remaining(c: Cursor): number {
  return c.bytes.length - c.pos;
}

function take(c: Cursor, n: number, what: string): void {
  if (n > remaining(c)) throw new Error(`${what} needs ${n} bytes but ${remaining(c)} remain at byte ${c.pos}`);
  c.pos += n;
}

/** A zig-zag varint long; rejects more than 10 bytes and values past 2^53. */
function readLong(c: Cursor): number {
  let result = 0;
  let factor = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.bytes.length) throw new Error(`truncated varint at byte ${c.pos}`);
    const byte = c.bytes[c.pos++] ?? 0;
    result += (byte & 0x7f) * factor;
    if (!Number.isSafeInteger(result)) throw new Error(`varint beyond 2^53 at byte ${c.pos}`);
    if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    factor *= 128;
  }
  throw new Error(`varint longer than 10 bytes at byte ${c.pos}`);
}

function typeName(type: avro.Type): string {
  return (type as unknown as { typeName: string }).typeName;
}

interface Composite {
  readonly fields?: readonly { readonly type: avro.Type }[];
  readonly itemsType?: avro.Type;
  readonly valuesType?: avro.Type;
  readonly types?: readonly avro.Type[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly underlyingType?: avro.Type;
}

const parts = (type: avro.Type): Composite => type as unknown as Composite;

/** The fewest bytes one value of the type can take. */
function minSize(type: avro.Type): number {
  const name = typeName(type);
  if (name.startsWith('logical:')) return minSize(parts(type).underlyingType ?? type);
  switch (name) {
    case 'null': return 0;
    case 'float': return 4;
    case 'double': return 8;
    case 'fixed': return parts(type).size ?? 0;
    case 'record':
    case 'error': return (parts(type).fields ?? []).reduce((n, f) => n + minSize(f.type), 0);
    default: return 1;
  }
}

/** Reads one block header of an array or map: its item count, after checking it against the bytes left. */
function blockCount(c: Cursor, minItemBytes: number, what: string): number {
  let count = readLong(c);
  if (count < 0) {
    count = -count;
    const size = readLong(c);
    if (size < 0 || size > remaining(c)) throw new Error(`${what} block claims ${size} bytes but ${remaining(c)} remain`);
  }
  const most = minItemBytes > 0 ? Math.floor(remaining(c) / minItemBytes) : MAX_ZERO_SIZE_ITEMS;
  if (count > most) throw new Error(`${what} block claims ${count} items but at most ${most} fit in the ${remaining(c)} bytes left`);
  return count;
}

function skip(type: avro.Type, c: Cursor): void {
  const name = typeName(type);
  if (name.startsWith('logical:')) {
    skip(parts(type).underlyingType ?? type, c);
    return;
  }
  switch (name) {
    case 'null': return;
    case 'boolean': take(c, 1, 'boolean'); return;
    case 'int':
    case 'long': readLong(c); return;
    case 'float': take(c, 4, 'float'); return;
    case 'double': take(c, 8, 'double'); return;
    case 'fixed': take(c, parts(type).size ?? 0, 'fixed'); return;
    case 'string':
    case 'bytes': {
      const length = readLong(c);
      if (length < 0) throw new Error(`negative ${name} length ${length} at byte ${c.pos}`);
      take(c, length, name);
      return;
    }
    case 'enum': {
      const index = readLong(c);
      if (index < 0 || index >= (parts(type).symbols ?? []).length) throw new Error(`enum index ${index} out of range`);
      return;
    }
    case 'record':
    case 'error': {
      // Indexed: for-of here allocated an iterator result per field, a twentieth of intake's garbage.
      const fields = parts(type).fields ?? [];
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i];
        if (field) skip(field.type, c);
      }
      return;
    }
    case 'array': {
      const items = parts(type).itemsType ?? type;
      const min = minSize(items);
      for (let n = blockCount(c, min, 'array'); n !== 0; n = blockCount(c, min, 'array')) for (let i = 0; i < n; i++) skip(items, c);
      return;
    }
    case 'map': {
      const values = parts(type).valuesType ?? type;
      const min = 1 + minSize(values);
      for (let n = blockCount(c, min, 'map'); n !== 0; n = blockCount(c, min, 'map')) {
        for (let i = 0; i < n; i++) {
          skip(STRING, c);
          skip(values, c);
        }
      }
      return;
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = parts(type).types ?? [];
      const index = readLong(c);
      const branch = branches[index];
      if (!branch) throw new Error(`union branch ${index} out of range`);
      skip(branch, c);
      return;
    }
    default:
      throw new Error(`unsupported Avro type ${name}`);
  }
}

const STRING = { typeName: 'string' } as unknown as avro.Type;
