/** Whitespace-separated words with their UTF-16 spans, splitting exactly where Python's str.split() does. */

export interface Word {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Python's str.isspace() set: the reference splits marked text with str.split(), and that set includes the
 * information separators \x1c-\x1f. All of it is in the BMP, so UTF-16 code units suffice.
 */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code >= 0x1c;
  if (code < 0x85) return false;
  return code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a)
    || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/** A scan of code units, not matchAll: a match object per gap was most of what intake allocated per sentence. */
export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) {
      if (start >= 0) words.push({ start, end: i, text: text.slice(start, i) });
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) words.push({ start, end: text.length, text: text.slice(start) });
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
