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

interface Item { readonly slot: MarkerSlot; readonly offset: number; readonly closing: boolean; readonly order: number; readonly tie: number }

/** The rule above as an order: offset, then closings first, then the outer (opening) or inner (closing) first, then the tie. */
function compare(a: Item, b: Item): number {
  return a.offset - b.offset || Number(b.closing) - Number(a.closing) || a.order - b.order || a.tie - b.tie;
}

export function markerInsertions(subject: SentenceEntity, object: SentenceEntity): MarkerInsertion[] {
  const items: Item[] = [
    { slot: 0, offset: subject.start, closing: false, order: -subject.end, tie: 0 },
    { slot: 2, offset: object.start, closing: false, order: -object.end, tie: 1 },
    { slot: 1, offset: subject.end, closing: true, order: -subject.start, tie: 1 },
    { slot: 3, offset: object.end, closing: true, order: -object.start, tie: 0 },
  ];
  // Items are their own insertions (offset and slot): no second object per marker. Insertion sort, not
  // Array#sort: for four items that allocated more per pair than anything else in intake (its work arrays).
  // The order is total (no two items compare equal), so any sort gives the same result.
  for (let i = 1; i < items.length; i++) {
    const item = items[i];
    if (item === undefined) continue;
    let j = i - 1;
    for (let before = items[j]; before !== undefined && compare(before, item) > 0; before = items[--j]) items[j + 1] = before;
    items[j + 1] = item;
  }
  return items;
}
