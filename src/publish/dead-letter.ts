/**
 * The dead-letter contract (docs/records.md): the original key and value bytes, and headers saying why and
 * where from (and the record's trace context). A subscriber can fix and replay a record from the headers alone. A dead letter larger than the
 * producer's message limit keeps its headers and a truncated value (a header gives the original size), so
 * even an outsized record leaves a trace instead of stopping the stream.
 */
import type { ErrorCode } from '../errors.js';
import type { Headers, IncomingMessage, OutgoingMessage } from '../kafka/types.js';
import { traceHeaders } from '../observability/trace-context.js';
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
} as const;

const MAX_DETAIL_BYTES = 1000;

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
  const headers: Record<string, Buffer> = {
    ...trace,
    [DEAD_LETTER_HEADERS.code]: Buffer.from(codeFor(reason)),
    [DEAD_LETTER_HEADERS.reason]: Buffer.from(reason),
    [DEAD_LETTER_HEADERS.message]: Buffer.from(detail).subarray(0, MAX_DETAIL_BYTES),
    [DEAD_LETTER_HEADERS.topic]: Buffer.from(source.topic),
    [DEAD_LETTER_HEADERS.partition]: Buffer.from(String(source.partition)),
    [DEAD_LETTER_HEADERS.offset]: Buffer.from(source.offset),
    [DEAD_LETTER_HEADERS.timestamp]: Buffer.from(String(source.timestampMs)),
  };
  const whole: OutgoingMessage = { key: source.key, value: source.value, headers };
  const excess = messageBytes(whole) - maxMessageBytes;
  if (excess <= 0) return whole;
  // Keys are short in practice; an outsized one is cut too, the value keeps what room is left.
  const key = source.key && source.key.length > 1024 ? source.key.subarray(0, 1024) : source.key;
  headers[DEAD_LETTER_HEADERS.truncated] = Buffer.from(`key ${source.key?.length ?? 0} bytes, value ${source.value?.length ?? 0} bytes`);
  const room = Math.max(0, maxMessageBytes - messageBytes({ key, value: null, headers }));
  return { key, value: source.value ? source.value.subarray(0, room) : null, headers };
}
