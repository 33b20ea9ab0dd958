/**
 * Where the four markers of a pair go, in text order. The rule (mirrored by models/relstream_model/markers.py,
 * the reference): at one offset, closing markers come before opening ones; of two openings the outer
 * entity (later end) first, the subject on a tie; of two closings the inner entity (later start) first, the
 * object on a tie. Nested and overlapping entities so get well-defined, properly bracketed positions.
 */
import type { SentenceEntity } from '../pairs/entities.js';

export type MarkerSlot = 0 | 1 | 2 | 3; // subject open, subject close, object open, object close

export interface MarkerInsertion {
  readonly offset: number;
  readonly slot: MarkerSlot;
}

function sortKey(m: { offset: number; closing: boolean; order: number; tie: number }): [number, number, number, number] {
  return [m.offset, m.closing ? 0 : 1, m.order, m.tie];
}

export function markerInsertions(subject: SentenceEntity, object: SentenceEntity): MarkerInsertion[] {
  const items = [
    { slot: 0 as const, offset: subject.start, closing: false, order: -subject.end, tie: 0 },
    { slot: 2 as const, offset: object.start, closing: false, order: -object.end, tie: 1 },
    { slot: 1 as const, offset: subject.end, closing: true, order: -subject.start, tie: 1 },
    { slot: 3 as const, offset: object.end, closing: true, order: -object.start, tie: 0 },
  ];
  items.sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] ?? 0) - (kb[i] ?? 0);
    return 0;
  });
  return items.map(({ offset, slot }) => ({ offset, slot }));
}
