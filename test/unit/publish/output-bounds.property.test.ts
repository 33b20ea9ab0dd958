/** What one record puts on the output topics fits the producer's limit, whatever the record's size. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type { OutgoingMessage } from '../../../src/kafka/types.js';
import { deadLetterMessage, DEAD_LETTER_HEADERS } from '../../../src/publish/dead-letter.js';
import { boundedMetadata, chunkByBytes, messageBytes, METADATA_TRUNCATED_KEY } from '../../../src/publish/output-bounds.js';
import { DEAD_LETTER_REASONS } from '../../../src/records/validate-record.js';

const MAX = 20_000;

describe('output bounds (property-based)', () => {
  it('a dead letter always fits maxMessageBytes; when cut, a header says what the original sizes were', () => {
    fc.assert(fc.property(
      fc.option(fc.uint8Array({ maxLength: 5000 }), { nil: null }), fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
      fc.constantFrom(...DEAD_LETTER_REASONS), fc.string({ maxLength: 3000 }),
      (key, valueSize, reason, detail) => {
        const source = { topic: 't', partition: 1, offset: '7', key: key ? Buffer.from(key) : null, value: valueSize === null ? null : Buffer.alloc(valueSize, 1), headers: {}, timestampMs: 1 };
        const letter = deadLetterMessage(source, reason, detail, MAX);
        assert.ok(messageBytes(letter) <= MAX, `${messageBytes(letter)} bytes`);
        assert.equal(letter.headers?.[DEAD_LETTER_HEADERS.reason]?.toString(), reason);
        const whole = letter.value?.length === source.value?.length && letter.key?.length === source.key?.length;
        assert.equal(letter.headers[DEAD_LETTER_HEADERS.truncated] === undefined, whole);
      },
    ), { numRuns: 500 });
  });

  it('bounded metadata stays within its budget and says how much it left out', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 3000 }), { maxKeys: 40 }), fc.integer({ min: 0, max: 20_000 }), (metadata, budget) => {
      const kept = boundedMetadata(metadata, budget);
      const bytes = Object.entries(kept).filter(([k]) => k !== METADATA_TRUNCATED_KEY).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 4, 0);
      assert.ok(bytes <= budget);
      for (const [k, v] of Object.entries(kept)) if (k !== METADATA_TRUNCATED_KEY) assert.equal(v, metadata[k]);
      assert.equal(METADATA_TRUNCATED_KEY in kept, kept !== metadata);
    }), { numRuns: 300 });
  });

  it('sends are chunked by bytes: every chunk fits, nothing is lost or reordered', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 8000 }), { maxLength: 60 }), (sizes) => {
      const messages = sizes.map((n, i) => ({ key: String(i), value: Buffer.alloc(n) }));
      const chunks = chunkByBytes(messages, MAX);
      assert.deepEqual(chunks.flat(), messages);
      for (const chunk of chunks) assert.ok(chunk.reduce((n, m) => n + messageBytes(m), 0) <= MAX || chunk.length === 1);
    }), { numRuns: 300 });
  });

  it('chunks are as full as the sizes allow when records share key and headers objects (measured once per run of them)', () => {
    // Envelopes as records give them: a key and headers object shared by consecutive events, some with the same
    // key and other headers, so a size cached by key alone would be wrong.
    const envelope = fc.record({
      key: fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))),
      headers: fc.option(fc.dictionary(fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)), { maxKeys: 3 }), { nil: undefined }),
    });
    const run = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 8 }));
    fc.assert(fc.property(fc.array(envelope, { minLength: 1, maxLength: 4 }), fc.array(run, { maxLength: 20 }), (envelopes, runs) => {
      const messages = runs.flatMap(([e, sizes]) => {
        const { key, headers } = envelopes[e % envelopes.length] ?? { key: null, headers: undefined };
        return sizes.map((n) => ({ key, value: n === 0 ? null : Buffer.alloc(n), ...(headers === undefined ? {} : { headers }) }));
      });
      const chunks = chunkByBytes(messages, MAX);
      assert.deepEqual(chunks.flat(), messages);
      const bytes = (chunk: readonly OutgoingMessage[]): number => chunk.reduce((n, m) => n + messageBytes(m), 0);
      chunks.forEach((chunk, i) => {
        assert.ok(bytes(chunk) <= MAX || chunk.length === 1, `chunk ${i}: ${bytes(chunk)} bytes`);
        const next = chunks[i + 1]?.[0];
        if (next !== undefined) assert.ok(bytes(chunk) + messageBytes(next) > MAX, `chunk ${i} had room for the next message`);
      });
    }), { numRuns: 300 });
  });
});
