/**
 * The replay's selection and message, on generated dead letters: every filter selects exactly what it names and
 * nothing else, constraints only narrow, and a replayed record is its original bytes and headers without the
 * dead letter's diagnostics, naming the letter it came from. Also the CLI's table and progress bar.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { countsTable } from '../../../src/cli/replay-command.js';
import { renderBar } from '../../../src/cli/progress-bar.js';
import type { IncomingMessage } from '../../../src/kafka/types.js';
import { DEAD_LETTER_HEADERS } from '../../../src/publish/dead-letter.js';
import { DEAD_LETTER_REASONS } from '../../../src/records/validate-record.js';
import {
  deadLetterId, matches, parseOffset, parseTime, REPLAY_OF_HEADER, replayedFrom, replayMessage, type ReplayFilter,
} from '../../../src/replay/dead-letter-selection.js';

const reasons = fc.constantFrom(...DEAD_LETTER_REASONS, 'a-reason-of-a-later-version');

const letter = fc.record({
  partition: fc.integer({ min: 0, max: 3 }),
  offset: fc.bigInt({ min: 0n, max: 1000n }),
  timestampMs: fc.integer({ min: 0, max: 10_000 }),
  key: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null }),
  reason: reasons,
  traceparent: fc.option(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), { nil: undefined }),
}).map(({ partition, offset, timestampMs, key, value, reason, traceparent }): IncomingMessage => ({
  topic: 'dlq', partition, offset: offset.toString(), timestampMs,
  key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value),
  headers: {
    ...(traceparent === undefined ? {} : { traceparent: Buffer.from(traceparent) }),
    [DEAD_LETTER_HEADERS.reason]: Buffer.from(reason), [DEAD_LETTER_HEADERS.code]: Buffer.from('RELSTREAM_RECORD_INVALID'),
    [DEAD_LETTER_HEADERS.message]: Buffer.from('why'), [DEAD_LETTER_HEADERS.topic]: Buffer.from('in'),
    [DEAD_LETTER_HEADERS.partition]: Buffer.from('0'), [DEAD_LETTER_HEADERS.offset]: Buffer.from('7'), [DEAD_LETTER_HEADERS.timestamp]: Buffer.from('1'),
  },
}));

const filter: fc.Arbitrary<ReplayFilter> = fc.record({
  reasons: fc.uniqueArray(reasons, { maxLength: 3 }),
  sinceMs: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
  untilMs: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
  key: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  partition: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  fromOffset: fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }),
  toOffset: fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }),
}).map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as unknown as ReplayFilter);

/** Each constraint on its own, as the usage text states it. */
function selects(f: ReplayFilter, m: IncomingMessage): boolean {
  const reason = m.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? '';
  const offset = BigInt(m.offset);
  return (f.reasons.length === 0 || f.reasons.includes(reason))
    && (f.sinceMs === undefined || m.timestampMs >= f.sinceMs)
    && (f.untilMs === undefined || m.timestampMs < f.untilMs)
    && (f.key === undefined || m.key?.toString() === f.key)
    && (f.partition === undefined || m.partition === f.partition)
    && (f.fromOffset === undefined || offset >= f.fromOffset)
    && (f.toOffset === undefined || offset <= f.toOffset);
}

describe('replay: which dead letters, and what is sent', () => {
  it('a filter selects exactly the letters every one of its constraints names', () => {
    fc.assert(fc.property(filter, fc.array(letter, { maxLength: 30 }), (f, letters) => {
      for (const m of letters) assert.equal(matches(m, f), selects(f, m));
    }), { numRuns: 500 });
  });

  it('no constraint selects every letter; a constraint added only narrows', () => {
    fc.assert(fc.property(filter, letter, reasons, (f, m, reason) => {
      assert.equal(matches(m, { reasons: [] }), true);
      const narrower: ReplayFilter = { ...f, reasons: f.reasons.length === 0 ? [reason] : f.reasons.slice(0, 1) };
      if (matches(m, narrower)) assert.equal(matches(m, { ...f, reasons: f.reasons.length === 0 ? [] : f.reasons }), true);
    }), { numRuns: 500 });
  });

  it('a replayed record: the original key, value and the headers its letter kept, no diagnostics, and the letter it came from', () => {
    fc.assert(fc.property(letter, (m) => {
      const out = replayMessage(m);
      assert.deepEqual(out.key, m.key);
      assert.deepEqual(out.value, m.value);
      const headers = out.headers ?? {};
      for (const name of Object.values(DEAD_LETTER_HEADERS)) assert.equal(headers[name], undefined, name);
      assert.deepEqual(headers['traceparent'], m.headers['traceparent']);
      assert.equal(replayedFrom(headers), deadLetterId(m));
      assert.equal(headers[REPLAY_OF_HEADER]?.toString(), `dlq/${m.partition}/${m.offset}`);
    }), { numRuns: 300 });
  });

  it('times are epoch milliseconds or ISO 8601; offsets non-negative integers; anything else a usage error', () => {
    assert.equal(parseTime('1700000000000', 'since'), 1_700_000_000_000);
    assert.equal(parseTime('2023-11-14T22:13:20Z', 'since'), 1_700_000_000_000);
    assert.throws(() => parseTime('yesterday', 'since'), { code: 'RELSTREAM_CLI_USAGE', message: /--since/ });
    assert.equal(parseOffset('42', 'from-offset'), 42n);
    assert.throws(() => parseOffset('-1', 'from-offset'), { code: 'RELSTREAM_CLI_USAGE' });
    assert.throws(() => parseOffset('1.5', 'to-offset'), { code: 'RELSTREAM_CLI_USAGE', message: /--to-offset/ });
  });

  it('the table: one row per reason in order, a total, columns aligned', () => {
    const lines = countsTable(new Map([
      ['text_too_long', { matched: 12, sent: 10, alreadyReplayed: 2, truncated: 0 }],
      ['malformed_avro', { matched: 3, sent: 0, alreadyReplayed: 0, truncated: 3 }],
    ]), true);
    assert.match(lines[0] ?? '', /^reason\s+matched\s+would send\s+already replayed\s+truncated \(not sent\)$/);
    assert.deepEqual(lines.slice(2).map((l) => l.split(/\s+/)), [
      ['malformed_avro', '3', '0', '0', '3'], ['text_too_long', '12', '10', '2', '0'], ['total', '15', '10', '2', '3'],
    ]);
    assert.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line as wide');
  });

  it('the progress bar is never over 100% and full when there is nothing to do', () => {
    assert.match(renderBar(5n, 10n, 'x'), /^\[#{15}\.{15}\] 50% x$/);
    assert.match(renderBar(12n, 10n, ''), /100%/);
    assert.match(renderBar(0n, 0n, ''), /^\[#{30}\] 100%/);
  });
});
