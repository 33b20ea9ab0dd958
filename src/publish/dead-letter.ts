/**
 * The dead-letter contract (docs/dead-letter.md): the original key and value bytes, and headers saying why and
 * where from. A subscriber can fix and replay a record from the headers alone.
 */
import type { Headers, IncomingMessage, OutgoingMessage } from '../kafka/types.js';
import type { DeadLetterReason } from '../records/validate-record.js';

export const DEAD_LETTER_HEADERS = {
  code: 'relstream-error-code',
  reason: 'relstream-error-reason',
  message: 'relstream-error-message',
  topic: 'relstream-source-topic',
  partition: 'relstream-source-partition',
  offset: 'relstream-source-offset',
  timestamp: 'relstream-source-timestamp',
} as const;

export function deadLetterMessage(source: IncomingMessage, reason: DeadLetterReason, message: string): OutgoingMessage {
  const headers: Headers = {
    [DEAD_LETTER_HEADERS.code]: Buffer.from(reason === 'malformed_avro' ? 'RELSTREAM_RECORD_MALFORMED' : 'RELSTREAM_RECORD_INVALID'),
    [DEAD_LETTER_HEADERS.reason]: Buffer.from(reason),
    [DEAD_LETTER_HEADERS.message]: Buffer.from(message.slice(0, 1000)),
    [DEAD_LETTER_HEADERS.topic]: Buffer.from(source.topic),
    [DEAD_LETTER_HEADERS.partition]: Buffer.from(String(source.partition)),
    [DEAD_LETTER_HEADERS.offset]: Buffer.from(source.offset),
    [DEAD_LETTER_HEADERS.timestamp]: Buffer.from(String(source.timestampMs)),
  };
  return { key: source.key, value: source.value, headers };
}
