/**
 * W3C Trace Context carried through the stream: an input record's `traceparent` (and `tracestate`) headers go
 * onto each of its relation events and onto its dead letter, so a trace that produced the record continues in
 * whatever reads the output. Only well-formed values are carried (a malformed traceparent would make a
 * downstream tracer start a broken trace); a record without them gets none.
 */
import type { Headers } from '../kafka/types.js';

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** version-traceid-parentid-flags, lower-case hex; the all-zero trace and parent ids are invalid, as is version ff. */
const TRACEPARENT_FORMAT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/**
 * The specification asks carriers to pass at least 512 characters of tracestate; a longer one is dropped (the
 * traceparent still goes) so trace headers stay small beside the smallest maxMessageBytes (10,000).
 */
const MAX_TRACESTATE_BYTES = 4096;

/** The trace headers to copy from `headers`: none, or a valid traceparent and, with it, a bounded tracestate. */
export function traceHeaders(headers: Headers): Headers {
  const parent = headers[TRACEPARENT];
  if (parent === undefined || parent.length !== 55 || !TRACEPARENT_FORMAT.test(parent.toString('latin1'))) return NO_HEADERS;
  const state = headers[TRACESTATE];
  return state === undefined || state.length > MAX_TRACESTATE_BYTES ? { [TRACEPARENT]: parent } : { [TRACEPARENT]: parent, [TRACESTATE]: state };
}

const NO_HEADERS: Headers = Object.freeze({});

/** The ids and sampled flag of a traceparent that traceHeaders let through. */
export function parseTraceparent(value: Buffer): { traceId: string; spanId: string; sampled: boolean } {
  const [, traceId = '', spanId = '', flags = '00'] = value.toString('latin1').split('-');
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** A version-00 traceparent header value. */
export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): Buffer {
  return Buffer.from(`00-${traceId}-${spanId}-${sampled ? '01' : '00'}`, 'latin1');
}
