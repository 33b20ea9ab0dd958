/**
 * Sentences of a record's text, from the platform's Unicode sentence segmenter (Intl.Segmenter, ICU), with
 * each entity assigned to the sentence that holds it. An entity that crosses a sentence boundary (a
 * segmenter mistake such as "p. ej.") merges the sentences it touches, so it is never cut or dropped.
 */
import { CodePointIndex } from './code-points.js';
import type { RecordEntity, SentenceEntity } from './entities.js';

export interface Sentence {
  /** UTF-16 offsets of the sentence in the record text. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly entities: readonly SentenceEntity[];
}

const segmenters = new Map<string, Intl.Segmenter>();
/** Tags come from records: the cache must not grow with the number of distinct tags a stream carries. */
const MAX_CACHED_SEGMENTERS = 64;

function segmenterFor(language: string): Intl.Segmenter {
  let segmenter = segmenters.get(language);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(language, { granularity: 'sentence' });
    if (segmenters.size >= MAX_CACHED_SEGMENTERS) segmenters.clear();
    segmenters.set(language, segmenter);
  }
  return segmenter;
}

/** Terminators: Sentence_Terminal, the ATerm dots, and the semicolons ICU's Greek rules add. */
const TERMINATORS = String.raw`\p{Sentence_Terminal}.\u2024\uFE52\uFF0E;\u037E`;
const TERMINATOR = new RegExp(`[${TERMINATORS}]`, 'u');
/** Where a sentence may end (UAX #29 SB4, SB11): after a terminator or a paragraph separator (CR, LF, NEL, LS, PS). */
const MAY_END = new RegExp(String.raw`[${TERMINATORS}\r\n\u0085\u2028\u2029]`, 'u');
/** Closing punctuation (Sentence_Break Close) and spaces (Sp) that stay with the terminators before them (SB9, SB10). */
const CLOSE = /[)\]}"'\u00BB\u201D\u2019]/;
const SPACE = /[\t\v\f \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/;

/** Whether text[from..] is terminators, then closing punctuation, then spaces, to the end: nothing breaks inside that run. */
function isFinalRun(text: string, from: number): boolean {
  let at = from;
  while (at < text.length && TERMINATOR.test(text.charAt(at))) at++;
  if (at === from) return false;
  while (at < text.length && CLOSE.test(text.charAt(at))) at++;
  while (at < text.length && SPACE.test(text.charAt(at))) at++;
  return at === text.length;
}

/**
 * Where the segmenter puts sentences, as UTF-16 [start, end) pairs. A text with nowhere to end but its final run
 * is one sentence by the rules themselves: answered without ICU, whose segment() clones a break iterator per call
 * (3 µs, a quarter of intake's work on a short record). A property test holds the two equal. Linear in the text
 * (no backtracking regex): texts come from records.
 */
export function sentenceBounds(text: string, language: string): { start: number; end: number }[] {
  if (text !== '') {
    const first = text.search(MAY_END);
    if (first < 0 || isFinalRun(text, first)) return [{ start: 0, end: text.length }];
  }
  const bounds: { start: number; end: number }[] = [];
  for (const { index: at, segment } of segmenterFor(language).segment(text)) bounds.push({ start: at, end: at + segment.length });
  return bounds;
}

/**
 * Entities must already be validated (0 <= start < end <= text length in code points), and the language
 * checked with ./language.ts (Intl throws on a tag that is not BCP 47).
 * Sentences without entities are left out: no pair can come from them.
 */
export function splitSentences(text: string, entities: readonly RecordEntity[], language = 'es', index = new CodePointIndex(text)): Sentence[] {
  const spans = entities.map((e, i) => ({ entity: e, index: i, start: index.toUtf16(e.start) ?? 0, end: index.toUtf16(e.end) ?? 0 }));

  const bounds = sentenceBounds(text, language);
  // Merge a sentence into the previous one while some entity starts before its start and ends after it.
  const merged: { start: number; end: number }[] = [];
  for (const bound of bounds) {
    const previous = merged.at(-1);
    if (previous && spans.some((s) => s.start < bound.start && s.end > bound.start)) previous.end = bound.end;
    else merged.push({ ...bound });
  }

  const sentences: Sentence[] = [];
  for (const bound of merged) {
    const inside = spans
      .filter((s) => s.start >= bound.start && s.end <= bound.end)
      .map((s) => ({ id: s.entity.id, type: s.entity.type, start: s.start - bound.start, end: s.end - bound.start, index: s.index }));
    if (inside.length > 0) sentences.push({ start: bound.start, end: bound.end, text: text.slice(bound.start, bound.end), entities: inside });
  }
  return sentences;
}
