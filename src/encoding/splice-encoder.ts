/**
 * Encodes candidate pairs by tokenizing each sentence once and splicing the marker ids in per pair, instead
 * of tokenizing every pair's marked text from scratch. The result equals the reference (markers inserted as
 * words, whitespace split, tokenized with is_split_into_words, truncated at maxLength): a word cut by an entity
 * boundary is tokenized as its fragments, exactly as the reference sees it.
 */
import type { MarkerIds, ModelBundle } from '../model/model-dir.js';
import type { SentenceEntity } from '../pairs/entities.js';
import { Int32Arena } from './int32-arena.js';
import { offsetOf, orderMarkers } from './marker-insertions.js';
import { splitWords, type Word } from './words.js';

export interface EncodedPair {
  /** [CLS] + word pieces with markers + [SEP]. */
  readonly inputIds: Int32Array;
  /** Positions of subject-open, subject-close, object-open, object-close. */
  readonly spanIdxs: readonly [number, number, number, number];
}

export type PairEncoding = { readonly ok: true; readonly pair: EncodedPair } | { readonly ok: false; readonly reason: 'truncated' };

/** A sentence tokenized once: its words, and their pieces one after another. */
export interface EncodedSentence {
  readonly text: string;
  readonly words: readonly Word[];
  /** Every word's pieces in order; word w's are pieces[wordStarts[w]] up to pieces[wordStarts[w + 1]]. */
  readonly pieces: Int32Array;
  readonly wordStarts: Int32Array;
}

export class SpliceEncoder {
  /** The pair being encoded: reused, and copied out once at the end. */
  #ids = new Int32Array(512);
  #length = 0;
  /** The next word of the pair's sentence not yet emitted, and where in it emitting got to (-1: nowhere yet). */
  #word = 0;
  #cut = -1;
  /** The pair's marker slots in insertion order (./marker-insertions.ts). */
  readonly #slots = new Uint8Array(4);
  /** Where sentences' pieces and pairs' ids are copied out to: no backing store of their own each. */
  readonly #arena = new Int32Arena();

  constructor(private readonly bundle: Pick<ModelBundle, 'tokenizer' | 'markerIds' | 'config'>) {}

  sentence(text: string): EncodedSentence {
    const words = splitWords(text);
    const perWord: (readonly number[])[] = new Array<readonly number[]>(words.length);
    const wordStarts = this.#arena.take(words.length + 1);
    for (let w = 0; w < words.length; w++) {
      const pieces = this.bundle.tokenizer.wordPieces(words[w]?.text ?? '');
      perWord[w] = pieces;
      wordStarts[w + 1] = (wordStarts[w] ?? 0) + pieces.length;
    }
    const pieces = this.#arena.take(wordStarts[words.length] ?? 0);
    for (let w = 0; w < words.length; w++) pieces.set(perWord[w] ?? [], wordStarts[w]);
    return { text, words, pieces, wordStarts };
  }

  /**
   * Whole words are copied from the sentence's pieces, runs of them at once; only a word a marker falls inside
   * is tokenized again, in the fragments the marker cuts it into. Where a marker goes: before every word that
   * starts at or after its offset, inside a word it cuts, after every word that ends at or before it.
   */
  encode(sentence: EncodedSentence, subject: SentenceEntity, object: SentenceEntity): PairEncoding {
    const { tokenizer, config } = this.bundle;
    const subjectIds = this.markers(subject.type);
    const objectIds = this.markers(object.type);
    const { words, pieces, wordStarts } = sentence;

    this.#length = 0;
    this.#push(tokenizer.clsId);
    const span: [number, number, number, number] = [0, 0, 0, 0];
    this.#word = 0;
    this.#cut = -1;
    const slots = this.#slots;
    orderMarkers(subject, object, slots);
    for (let i = 0; i < 4; i++) {
      const slot = slots[i] ?? 0;
      this.#emitUpTo(sentence, offsetOf(slot, subject, object));
      span[slot] = this.#length;
      this.#push(slot === 0 ? subjectIds.subjectOpen : slot === 1 ? subjectIds.subjectClose : slot === 2 ? objectIds.objectOpen : objectIds.objectClose);
    }
    if (this.#cut >= 0) this.#finishCut(sentence);
    if (this.#word < words.length) this.#copy(pieces, wordStarts[this.#word] ?? 0, wordStarts[words.length] ?? 0);

    // Truncation keeps [CLS] + the first maxLength - 2 pieces + [SEP]; a marker past that cannot be classified.
    const limit = config.maxLength - 1;
    if (span[0] >= limit || span[1] >= limit || span[2] >= limit || span[3] >= limit) return { ok: false, reason: 'truncated' };
    if (this.#length > limit) this.#length = limit;
    this.#push(tokenizer.sepId);
    const inputIds = this.#arena.take(this.#length);
    const ids = this.#ids;
    for (let i = 0; i < inputIds.length; i++) inputIds[i] = ids[i] ?? 0;
    return { ok: true, pair: { inputIds, spanIdxs: span } };
  }

  /** Emits the rest of the word a marker cut. */
  #finishCut({ text, words }: EncodedSentence): void {
    this.#pushAll(this.bundle.tokenizer.wordPieces(text.slice(this.#cut, words[this.#word]?.end)));
    this.#word++;
    this.#cut = -1;
  }

  /** Emits the words before `offset` (finishing a cut one) and, if `offset` cuts a word, its part before. */
  #emitUpTo(sentence: EncodedSentence, offset: number): void {
    const { words, pieces, wordStarts, text } = sentence;
    if (this.#cut >= 0 && (words[this.#word]?.end ?? 0) <= offset) this.#finishCut(sentence);
    const from = this.#word;
    let w = from;
    while (w < words.length && (words[w]?.end ?? 0) <= offset && (words[w]?.start ?? 0) < offset) w++;
    this.#word = w;
    if (w > from) this.#copy(pieces, wordStarts[from] ?? 0, wordStarts[w] ?? 0);
    const word = words[w];
    if (word && word.start < offset && offset < word.end) {
      const at = this.#cut >= 0 ? this.#cut : word.start;
      if (offset > at) this.#pushAll(this.bundle.tokenizer.wordPieces(text.slice(at, offset)));
      this.#cut = offset;
    }
  }

  #room(more: number): void {
    if (this.#length + more <= this.#ids.length) return;
    const grown = new Int32Array(Math.max(2 * this.#ids.length, this.#length + more));
    grown.set(this.#ids.subarray(0, this.#length));
    this.#ids = grown;
  }

  #push(id: number): void {
    this.#room(1);
    this.#ids[this.#length++] = id;
  }

  #pushAll(ids: readonly number[]): void {
    this.#room(ids.length);
    this.#ids.set(ids, this.#length);
    this.#length += ids.length;
  }

  #copy(from: Int32Array, start: number, end: number): void {
    this.#room(end - start);
    // A loop, not set(subarray): a view per copy costs more than copying a run of a few dozen ids.
    const ids = this.#ids;
    let at = this.#length;
    for (let i = start; i < end; i++) ids[at++] = from[i] ?? 0;
    this.#length = at;
  }

  private markers(type: string): MarkerIds {
    const ids = this.bundle.markerIds.get(type);
    // Candidate pairs only include types with markers (pairRulesFor); reaching here is a programming error.
    if (!ids) throw new Error(`no marker ids for entity type ${type}`);
    return ids;
  }
}
