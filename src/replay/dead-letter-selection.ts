/**
 * Which dead letters a replay sends, and what it sends for each: pure functions over the dead-letter contract
 * (../publish/dead-letter.ts), so that every filter can be tested on generated letters without a broker.
 */
import { RelstreamError } from '../errors.js';
import type { Headers, IncomingMessage, OutgoingMessage } from '../kafka/types.js';
import { DEAD_LETTER_HEADERS } from '../publish/dead-letter.js';

/** On a replayed record: the dead letter it was sent from, `topic/partition/offset`. Replays are idempotent by it. */
export const REPLAY_OF_HEADER = 'relstream-replay-of';

export interface ReplayFilter {
  /** Reasons to replay (the relstream-error-reason header); empty: every reason. */
  readonly reasons: readonly string[];
  /** Dead-lettered at or after this time (epoch ms, the dead letter's own timestamp). */
  readonly sinceMs?: number;
  /** Dead-lettered before this time (epoch ms). */
  readonly untilMs?: number;
  /** The record key, as UTF-8. */
  readonly key?: string;
  /** Only this partition of the dead-letter topic. */
  readonly partition?: number;
  /** Offsets of the dead-letter topic from this one (inclusive). */
  readonly fromOffset?: bigint;
  /** Offsets of the dead-letter topic up to this one (inclusive). */
  readonly toOffset?: bigint;
}

export function deadLetterId(letter: Pick<IncomingMessage, 'topic' | 'partition' | 'offset'>): string {
  return `${letter.topic}/${letter.partition}/${letter.offset}`;
}

export function reasonOf(letter: IncomingMessage): string {
  return letter.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? 'unknown';
}

export function matches(letter: IncomingMessage, filter: ReplayFilter): boolean {
  if (filter.reasons.length > 0 && !filter.reasons.includes(reasonOf(letter))) return false;
  if (filter.sinceMs !== undefined && letter.timestampMs < filter.sinceMs) return false;
  if (filter.untilMs !== undefined && letter.timestampMs >= filter.untilMs) return false;
  if (filter.key !== undefined && letter.key?.toString() !== filter.key) return false;
  if (filter.partition !== undefined && letter.partition !== filter.partition) return false;
  const offset = BigInt(letter.offset);
  if (filter.fromOffset !== undefined && offset < filter.fromOffset) return false;
  if (filter.toOffset !== undefined && offset > filter.toOffset) return false;
  return true;
}

/** Whether a letter can be sent as it was: one cut to the producer's size limit has lost bytes. */
export function isTruncated(letter: IncomingMessage): boolean {
  return letter.headers[DEAD_LETTER_HEADERS.truncated] !== undefined;
}

const DIAGNOSTIC_HEADERS: ReadonlySet<string> = new Set(Object.values(DEAD_LETTER_HEADERS));

/**
 * The record again: its original key and value bytes and the headers its dead letter kept (its trace context
 * and its other headers, ../publish/dead-letter.ts), without the dead letter's diagnostics, plus a header naming
 * the dead letter it came from.
 */
export function replayMessage(letter: IncomingMessage): OutgoingMessage {
  const kept = Object.entries(letter.headers).filter(([name]) => !DIAGNOSTIC_HEADERS.has(name) && name !== REPLAY_OF_HEADER);
  const headers = Object.fromEntries([...kept, [REPLAY_OF_HEADER, Buffer.from(deadLetterId(letter))]]);
  return { key: letter.key, value: letter.value, headers };
}

/** The dead letter a record was replayed from, if it was. */
export function replayedFrom(headers: Headers): string | undefined {
  return headers[REPLAY_OF_HEADER]?.toString();
}

/** A time flag: epoch milliseconds or an ISO 8601 date-time. */
export function parseTime(value: string, flag: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RelstreamError('RELSTREAM_CLI_USAGE', `--${flag} must be epoch milliseconds or an ISO 8601 time (got ${value})`);
  return ms;
}

/** An offset flag: a non-negative integer. */
export function parseOffset(value: string, flag: string): bigint {
  if (!/^\d+$/.test(value)) throw new RelstreamError('RELSTREAM_CLI_USAGE', `--${flag} must be a non-negative integer (got ${value})`);
  return BigInt(value);
}
