/**
 * Encodes candidate pairs by tokenizing each sentence once and splicing the marker ids in per pair, instead
 * of tokenizing every pair's marked text from scratch. The result equals the reference (markers inserted as
 * words, whitespace split, tokenized with is_split_into_words, truncated at maxLength): a word cut by an entity
 * boundary is tokenized as its fragments, exactly as the reference sees it.
 */
import type { MarkerIds, ModelBundle } from '../model/model-dir.js';
import type { SentenceEntity } from '../pairs/entities.js';
import { markerInsertions, type MarkerSlot } from './marker-insertions.js';
import { splitWords, type Word } from './words.js';

export interface EncodedPair {
  /** [CLS] + word pieces with markers + [SEP]. */
  readonly inputIds: Int32Array;
  /** Positions of subject-open, subject-close, object-open, object-close. */
  readonly spanIdxs: readonly [number, number, number, number];
}

export type PairEncoding = { readonly ok: true; readonly pair: EncodedPair } | { readonly ok: false; readonly reason: 'truncated' };

/** A sentence tokenized once: its words and their pieces. */
export interface EncodedSentence {
  readonly text: string;
  readonly words: readonly Word[];
  readonly pieces: readonly (readonly number[])[];
}

export class SpliceEncoder {
  constructor(private readonly bundle: Pick<ModelBundle, 'tokenizer' | 'markerIds' | 'config'>) {}

  sentence(text: string): EncodedSentence {
    const words = splitWords(text);
    return { text, words, pieces: words.map((w) => this.bundle.tokenizer.wordPieces(w.text)) };
  }

  encode(sentence: EncodedSentence, subject: SentenceEntity, object: SentenceEntity): PairEncoding {
    const { tokenizer, config } = this.bundle;
    const subjectIds = this.markers(subject.type);
    const objectIds = this.markers(object.type);
    const markerId = (slot: MarkerSlot): number =>
      slot === 0 ? subjectIds.subjectOpen : slot === 1 ? subjectIds.subjectClose : slot === 2 ? objectIds.objectOpen : objectIds.objectClose;

    const inserts = markerInsertions(subject, object);
    const ids: number[] = [tokenizer.clsId];
    const span: [number, number, number, number] = [0, 0, 0, 0];
    const emitMarker = (slot: MarkerSlot): void => {
      span[slot] = ids.length;
      ids.push(markerId(slot));
    };
    const emitFragment = (from: number, to: number): void => {
      for (const id of tokenizer.wordPieces(sentence.text.slice(from, to))) ids.push(id);
    };

    let next = 0;
    sentence.words.forEach((word, w) => {
      for (let m = inserts[next]; m && m.offset <= word.start; m = inserts[++next]) emitMarker(m.slot);
      let cursor = word.start;
      for (let m = inserts[next]; m && m.offset < word.end; m = inserts[++next]) {
        if (m.offset > cursor) emitFragment(cursor, m.offset);
        cursor = m.offset;
        emitMarker(m.slot);
      }
      if (cursor === word.start) for (const id of sentence.pieces[w] ?? []) ids.push(id);
      else emitFragment(cursor, word.end);
    });
    for (let m = inserts[next]; m; m = inserts[++next]) emitMarker(m.slot);

    // Truncation keeps [CLS] + the first maxLength - 2 pieces + [SEP]; a marker past that cannot be classified.
    const limit = config.maxLength - 1;
    if (span.some((position) => position >= limit)) return { ok: false, reason: 'truncated' };
    if (ids.length > limit) ids.length = limit;
    ids.push(tokenizer.sepId);
    return { ok: true, pair: { inputIds: Int32Array.from(ids), spanIdxs: span } };
  }

  private markers(type: string): MarkerIds {
    const ids = this.bundle.markerIds.get(type);
    // Candidate pairs only include types with markers (pairRulesFor); reaching here is a programming error.
    if (!ids) throw new Error(`no marker ids for entity type ${type}`);
    return ids;
  }
}
