/**
 * The model's tokenizer (tokenizer.json through @huggingface/transformers), used one word at a time: a BERT
 * WordPiece tokenizer splits each whitespace-separated word independently, so words can be tokenized once
 * and reused across every pair of a sentence (the parity fixture proves it against transformers in Python).
 */
import { PreTrainedTokenizer } from '@huggingface/transformers';

export interface WordTokenizer {
  /** Word-piece ids of one whitespace-free word, without [CLS]/[SEP]. */
  wordPieces(word: string): readonly number[];
  /** Full encoding of a text with [CLS]/[SEP]: the from-scratch path (bench and checks only). */
  encodeText(text: string): number[];
  readonly clsId: number;
  readonly sepId: number;
  /** Ids of the added (non-special) tokens by their text: where the entity markers are. */
  readonly addedTokens: ReadonlyMap<string, number>;
}

interface TokenizerJson {
  added_tokens?: { id: number; content: string; special: boolean }[];
}

/** Words repeat across records ("de", "pacientes"); a bounded cache keeps them without growing forever. */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  getOrCompute(key: string, compute: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.map.size >= this.capacity) {
      // Drop the oldest quarter: cheaper than exact LRU bookkeeping on every hit.
      let drop = Math.ceil(this.capacity / 4);
      for (const k of this.map.keys()) {
        this.map.delete(k);
        if (--drop === 0) break;
      }
    }
    this.map.set(key, value);
    return value;
  }
}

export function createWordTokenizer(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown> = {}, cacheWords = 50_000): WordTokenizer {
  const tokenizer = new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);
  const json = tokenizerJson as TokenizerJson;
  const addedTokens = new Map<string, number>();
  for (const token of json.added_tokens ?? []) if (!token.special) addedTokens.set(token.content, token.id);
  const specials = new Map((json.added_tokens ?? []).filter((t) => t.special).map((t) => [t.content, t.id] as const));
  const clsId = specials.get('[CLS]') ?? specials.get('<s>');
  const sepId = specials.get('[SEP]') ?? specials.get('</s>');
  if (clsId === undefined || sepId === undefined) throw new Error('tokenizer.json has no [CLS]/[SEP] (or <s>/</s>) special tokens');
  const cache = new BoundedCache<readonly number[]>(cacheWords);
  return {
    wordPieces: (word) => cache.getOrCompute(word, () => tokenizer.encode(word, { add_special_tokens: false })),
    encodeText: (text) => tokenizer.encode(text, { add_special_tokens: true }),
    clsId,
    sepId,
    addedTokens,
  };
}
