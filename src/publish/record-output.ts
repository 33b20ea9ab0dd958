/**
 * A finished record's output messages: its relation events as Avro, keyed by record id, with the record's trace
 * context headers (../observability/trace-context.ts; traced: ../observability/tracing.ts), each checked
 * against the producer's message limit. A record with an event that cannot fit goes to the dead-letter topic with
 * reason output_too_large instead of failing its produce request (and the stream with it).
 */
import type { RecordTask } from '../commit/record-task.js';
import type { OutgoingMessage } from '../kafka/types.js';
import { traceHeaders } from '../observability/trace-context.js';
import { eventIdIn } from './event-bytes.js';
import { envelopeBytes } from './output-bounds.js';

export type RecordOutput =
  | { readonly kind: 'events'; readonly messages: OutgoingMessage[]; readonly relations: readonly string[]; readonly bytes: number }
  | { readonly kind: 'too-large'; readonly detail: string };

export function recordOutput(task: RecordTask, topic: string, maxMessageBytes: number): RecordOutput {
  const messages: OutgoingMessage[] = [];
  // Traced, the events continue from relstream's send span; otherwise they carry the input's context as is.
  const headers = task.trace ? task.trace.send(topic, task.events.length) : traceHeaders(task.message.headers);
  let bytes = 0;
  // One key for all the record's events: they share it, and the partition with it.
  const key = Buffer.from(task.recordId);
  // Key and headers are the same in every event: measured once.
  const envelope = envelopeBytes(key, headers);
  for (const value of task.events) {
    const size = envelope + value.length;
    if (size > maxMessageBytes) {
      return { kind: 'too-large', detail: `relation event ${eventIdIn(value)} is ${size} bytes, more than maxMessageBytes ${maxMessageBytes}` };
    }
    messages.push({ key, value, headers });
    bytes += size;
  }
  return { kind: 'events', messages, relations: task.relations, bytes };
}
