/**
 * What a scale scenario reports (issue 18; the chaos suite and the bench): from the output events' Kafka
 * timestamps, the longest gap in the output while the group changed, and the output rate in a window after each
 * change against the window before. Figures, not pass/fail: they depend on the machine; the chaos scenario
 * asserts what must always hold.
 */
import type { IncomingMessage } from '../src/kafka/types.js';

export interface GroupChange {
  readonly label: string;
  /** Epoch ms the change was made (a member started, or was sent SIGTERM). */
  readonly atMs: number;
}

export interface ChangeFigures {
  readonly label: string;
  /** Output events per second in the window after the change, over the window before it. */
  readonly rateRatio: number;
  readonly eventsBefore: number;
  readonly eventsAfter: number;
}

export interface ScaleFigures {
  /** The longest time with no output event, from the first change to the last change plus one window. */
  readonly longestGapMs: number;
  /** When that gap began, in ms after the first change. */
  readonly longestGapAtMs: number;
  readonly changes: readonly ChangeFigures[];
}

/** `windowMs` either side of each change; the windows are cut short by the neighbouring changes. */
export function scaleFigures(events: readonly IncomingMessage[], changes: readonly GroupChange[], windowMs: number): ScaleFigures {
  const times = events.map((m) => m.timestampMs).sort((a, b) => a - b);
  const first = changes[0]?.atMs ?? 0;
  const last = (changes.at(-1)?.atMs ?? 0) + windowMs;
  let longestGapMs = 0;
  let longestGapAtMs = 0;
  let previous = first;
  for (const t of times) {
    if (t < first) continue;
    if (t > last) break;
    if (t - previous > longestGapMs) {
      longestGapMs = t - previous;
      longestGapAtMs = previous - first;
    }
    previous = t;
  }
  const count = (from: number, to: number): number => times.filter((t) => t >= from && t < to).length;
  const figures = changes.map((change, i) => {
    const before = Math.max(change.atMs - windowMs, changes[i - 1]?.atMs ?? -Infinity);
    const after = Math.min(change.atMs + windowMs, changes[i + 1]?.atMs ?? Infinity);
    const eventsBefore = count(before, change.atMs);
    const eventsAfter = count(change.atMs, after);
    const rateBefore = eventsBefore / Math.max(1, change.atMs - before);
    const rateAfter = eventsAfter / Math.max(1, after - change.atMs);
    return { label: change.label, rateRatio: rateBefore === 0 ? 0 : rateAfter / rateBefore, eventsBefore, eventsAfter };
  });
  return { longestGapMs, longestGapAtMs, changes: figures };
}

export function describeScaleFigures(figures: ScaleFigures): string {
  const changes = figures.changes.map((c) => `${c.label} ${c.rateRatio.toFixed(2)}x (${c.eventsBefore}→${c.eventsAfter})`).join('; ');
  return `longest output gap ${(figures.longestGapMs / 1000).toFixed(2)} s (at +${(figures.longestGapAtMs / 1000).toFixed(1)} s); output rate after each change against before: ${changes}`;
}
