/**
 * The dead-letter contract (docs/records.md): the original key and value bytes, the record's own headers (its
 * trace context, and the others up to MAX_KEPT_HEADER_BYTES), and headers saying why and where from. A
 * subscriber can fix and replay a record from the letter alone (`relstream replay`). A dead letter larger than
 * the producer's message limit gives up the record's other headers first, then keeps a truncated key and value
 * (a header gives the original sizes), so even an outsized record leaves a trace instead of stopping the stream.
 */
import type { ErrorCode } from '../errors.js';
import type { Headers, IncomingMessage, OutgoingMessage } from '../kafka/types.js';
import { TRACEPARENT, TRACESTATE, traceHeaders } from '../observability/trace-context.js';
import type { DeadLetterReason } from '../records/validate-record.js';
import { messageBytes } from './output-bounds.js';

export const DEAD_LETTER_HEADERS = {
  code: 'relstream-error-code',
  reason: 'relstream-error-reason',
  message: 'relstream-error-message',
  topic: 'relstream-source-topic',
  partition: 'relstream-source-partition',
  offset: 'relstream-source-offset',
  timestamp: 'relstream-source-timestamp',
  truncated: 'relstream-value-truncated',
  headersDropped: 'relstream-headers-dropped',
} as const;

const MAX_DETAIL_BYTES = 1000;
/** The record's headers besides its trace context, names and values: a hostile record's cannot crowd out the letter. */
export const MAX_KEPT_HEADER_BYTES = 16 * 1024;
/** Never copied from the record: the trace context is carried (or replaced) apart, and the diagnostics are ours. */
const NOT_KEPT: ReadonlySet<string> = new Set([TRACEPARENT, TRACESTATE, ...Object.values(DEAD_LETTER_HEADERS)]);

/** The record's other headers in arrival order while they fit the budget; the rest are counted, not kept. */
export function keptHeaders(source: Headers): { readonly kept: Record<string, Buffer>; readonly dropped: number } {
  const kept: [string, Buffer][] = [];
  let room = MAX_KEPT_HEADER_BYTES;
  let dropped = 0;
  for (const [name, value] of Object.entries(source)) {
    if (NOT_KEPT.has(name)) continue;
    const bytes = Buffer.byteLength(name) + value.length;
    if (bytes > room) {
      dropped++;
      continue;
    }
    room -= bytes;
    kept.push([name, value]);
  }
  // fromEntries: a header named __proto__ is kept as one, not made the object's prototype.
  return { kept: Object.fromEntries(kept), dropped };
}

function codeFor(reason: DeadLetterReason): ErrorCode {
  switch (reason) {
    case 'malformed_avro': return 'RELSTREAM_RECORD_MALFORMED';
    case 'output_too_large': return 'RELSTREAM_RECORD_OUTPUT_TOO_LARGE';
    case 'internal_error': return 'RELSTREAM_INTERNAL';
    default: return 'RELSTREAM_RECORD_INVALID';
  }
}

/** `trace`: the trace headers to send (traced: relstream's send span); default: the source's, carried as is. */
export function deadLetterMessage(source: IncomingMessage, reason: DeadLetterReason, detail: string, maxMessageBytes: number, trace: Headers = traceHeaders(source.headers)): OutgoingMessage {
  const diagnostics: Record<string, Buffer> = {
    ...trace,
    [DEAD_LETTER_HEADERS.code]: Buffer.from(codeFor(reason)),
    [DEAD_LETTER_HEADERS.reason]: Buffer.from(reason),
    [DEAD_LETTER_HEADERS.message]: Buffer.from(detail).subarray(0, MAX_DETAIL_BYTES),
    [DEAD_LETTER_HEADERS.topic]: Buffer.from(source.topic),
    [DEAD_LETTER_HEADERS.partition]: Buffer.from(String(source.partition)),
    [DEAD_LETTER_HEADERS.offset]: Buffer.from(source.offset),
    [DEAD_LETTER_HEADERS.timestamp]: Buffer.from(String(source.timestampMs)),
  };
  const { kept, dropped } = keptHeaders(source.headers);
  const whole: OutgoingMessage = { key: source.key, value: source.value, headers: { ...kept, ...diagnostics, ...droppedHeader(dropped) } };
  if (messageBytes(whole) <= maxMessageBytes) return whole;
  // Too large: the record's other headers go first (counted), then the key and value are cut.
  const headers = { ...diagnostics, ...droppedHeader(dropped + Object.keys(kept).length) };
  const bare: OutgoingMessage = { key: source.key, value: source.value, headers };
  if (messageBytes(bare) <= maxMessageBytes) return bare;
  // Keys are short in practice; an outsized one is cut too, the value keeps what room is left.
  const key = source.key && source.key.length > 1024 ? source.key.subarray(0, 1024) : source.key;
  headers[DEAD_LETTER_HEADERS.truncated] = Buffer.from(`key ${source.key?.length ?? 0} bytes, value ${source.value?.length ?? 0} bytes`);
  const room = Math.max(0, maxMessageBytes - messageBytes({ key, value: null, headers }));
  return { key, value: source.value ? source.value.subarray(0, room) : null, headers };
}

function droppedHeader(count: number): Record<string, Buffer> {
  return count > 0 ? { [DEAD_LETTER_HEADERS.headersDropped]: Buffer.from(String(count)) } : {};
}
