/**
 * A dead letter keeps the record's own headers within a budget, and `relstream replay` gives them back: whatever
 * the names (ours, the trace context's, __proto__) and sizes a producer sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type { IncomingMessage } from '../../../src/kafka/types.js';
import { TRACEPARENT, TRACESTATE, traceHeaders } from '../../../src/observability/trace-context.js';
import { DEAD_LETTER_HEADERS, deadLetterMessage, MAX_KEPT_HEADER_BYTES } from '../../../src/publish/dead-letter.js';
import { messageBytes } from '../../../src/publish/output-bounds.js';
import { REPLAY_OF_HEADER, replayMessage } from '../../../src/replay/dead-letter-selection.js';

const VALID_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const OURS: ReadonlySet<string> = new Set([...Object.values(DEAD_LETTER_HEADERS), TRACEPARENT, TRACESTATE, REPLAY_OF_HEADER]);

const headerName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', TRACESTATE, DEAD_LETTER_HEADERS.reason, DEAD_LETTER_HEADERS.headersDropped, REPLAY_OF_HEADER, 'x-tenant'),
);
const headerValue = fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12_000 }) });
const record = fc.record({
  entries: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
  traced: fc.boolean(),
  value: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: null }),
});

function source(entries: readonly (readonly [string, Uint8Array])[], traced: boolean, valueSize: number | null): IncomingMessage {
  const headers = Object.fromEntries([...entries.map(([name, value]) => [name, Buffer.from(value)] as const), ...(traced ? [[TRACEPARENT, Buffer.from(VALID_TRACEPARENT)] as const] : [])]);
  return { topic: 'in', partition: 2, offset: '41', key: Buffer.from('k'), value: valueSize === null ? null : Buffer.alloc(valueSize, 7), headers, timestampMs: 5 };
}

/** The dead letter as a replay reads it back from the dead-letter topic. */
function asRead(letter: ReturnType<typeof deadLetterMessage>): IncomingMessage {
  const key = typeof letter.key === 'string' ? Buffer.from(letter.key) : letter.key;
  return { topic: 'dlq', partition: 0, offset: '9', key, value: letter.value, headers: letter.headers ?? {}, timestampMs: 6 };
}

describe('dead letters keep the record\'s headers (property-based)', () => {
  it('within the budget every header comes back from a replay with its bytes; past it, each one left out is counted', () => {
    fc.assert(fc.property(record, ({ entries, traced, value }) => {
      const original = source(entries, traced, value);
      const letter = deadLetterMessage(original, 'malformed_avro', 'why', 1_000_000);
      const replayed = replayMessage(asRead(letter)).headers ?? {};
      const own = Object.entries(original.headers).filter(([name]) => !OURS.has(name));
      const back = own.filter(([name, bytes]) => Object.hasOwn(replayed, name) && replayed[name]?.equals(bytes) === true);
      const dropped = Number(letter.headers?.[DEAD_LETTER_HEADERS.headersDropped]?.toString() ?? 0);
      assert.equal(back.length + dropped, own.length, 'each of the record\'s headers came back or was counted');
      assert.ok(back.reduce((n, [name, bytes]) => n + Buffer.byteLength(name) + bytes.length, 0) <= MAX_KEPT_HEADER_BYTES);
      if (own.reduce((n, [name, bytes]) => n + Buffer.byteLength(name) + bytes.length, 0) <= MAX_KEPT_HEADER_BYTES) assert.equal(dropped, 0);
      assert.equal(Object.keys(replayed).length, back.length + 1 + Object.keys(traceHeaders(original.headers)).length, 'nothing else: no diagnostics, no forged header');
      assert.equal(replayed[TRACEPARENT]?.toString(), traced ? VALID_TRACEPARENT : undefined);
      assert.equal(replayed[REPLAY_OF_HEADER]?.toString(), 'dlq/0/9');
      assert.equal(Object.getPrototypeOf(replayed), Object.prototype);
    }), { numRuns: 400 });
  });

  it('a letter over the message limit gives up the record\'s headers before its bytes, and always fits', () => {
    const max = 20_000;
    fc.assert(fc.property(record, ({ entries, traced, value }) => {
      const original = source(entries, traced, value);
      const letter = deadLetterMessage(original, 'text_too_long', 'why', max);
      assert.ok(messageBytes(letter) <= max, `${messageBytes(letter)} bytes`);
      const cut = letter.headers?.[DEAD_LETTER_HEADERS.truncated] !== undefined;
      const own = Object.keys(original.headers).filter((name) => !OURS.has(name));
      if (cut) assert.ok(own.every((name) => !Object.hasOwn(letter.headers ?? {}, name)), 'a cut letter keeps none of the record\'s headers');
      assert.equal(letter.headers?.[DEAD_LETTER_HEADERS.reason]?.toString(), 'text_too_long');
    }), { numRuns: 400 });
  });
});
