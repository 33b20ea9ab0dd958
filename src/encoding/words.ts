/** Whitespace-separated words with their UTF-16 spans, splitting exactly where Python's str.split() does. */

// Python's str.isspace() set: the reference splits marked text with str.split(), and that set includes the
// information separators \x1c-\x1f.
// eslint-disable-next-line no-control-regex
const WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

export interface Word {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let cursor = 0;
  for (const match of text.matchAll(WHITESPACE)) {
    if (match.index > cursor) words.push({ start: cursor, end: match.index, text: text.slice(cursor, match.index) });
    cursor = match.index + match[0].length;
  }
  if (cursor < text.length) words.push({ start: cursor, end: text.length, text: text.slice(cursor) });
  return words;
}

/** The marked text of the reference: " M " inserted at each marker offset. */
export function insertAt(text: string, insertions: readonly { offset: number; text: string }[]): string {
  let out = '';
  let cursor = 0;
  for (const { offset, text: marker } of insertions) {
    out += `${text.slice(cursor, offset)} ${marker} `;
    cursor = offset;
  }
  return out + text.slice(cursor);
}
