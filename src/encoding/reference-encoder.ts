/**
 * The from-scratch encoding of one pair: build the marked sentence text and tokenize all of it. It is what the
 * splice encoder saves work over (bench/encoder.bench.ts) and a cross-check in tests; the processor never uses it.
 */
import type { ModelBundle } from '../model/model-dir.js';
import type { SentenceEntity } from '../pairs/entities.js';
import { markerInsertions, type MarkerSlot } from './marker-insertions.js';
import type { PairEncoding } from './splice-encoder.js';
import { insertAt } from './words.js';

export function encodePairFromScratch(
  bundle: Pick<ModelBundle, 'tokenizer' | 'config' | 'markerIds'>, text: string, subject: SentenceEntity, object: SentenceEntity,
): PairEncoding {
  const { markers, typeTags, maxLength } = bundle.config;
  const tag = (type: string): string => typeTags[type] ?? type;
  const templates: Record<MarkerSlot, string> = {
    0: markers.subjectOpen.replaceAll('{T}', tag(subject.type)),
    1: markers.subjectClose.replaceAll('{T}', tag(subject.type)),
    2: markers.objectOpen.replaceAll('{T}', tag(object.type)),
    3: markers.objectClose.replaceAll('{T}', tag(object.type)),
  };
  const marked = insertAt(text, markerInsertions(subject, object).map((m) => ({ offset: m.offset, text: templates[m.slot] })));
  const all = bundle.tokenizer.encodeText(marked);
  const ids = all.length > maxLength ? [...all.slice(0, maxLength - 1), bundle.tokenizer.sepId] : all;
  const slotIds = ([0, 1, 2, 3] as const).map((slot) => bundle.tokenizer.addedTokens.get(templates[slot]));
  const span = slotIds.map((id) => (id === undefined ? -1 : ids.indexOf(id)));
  const [s0 = -1, s1 = -1, o0 = -1, o1 = -1] = span;
  if (span.some((p) => p < 0)) return { ok: false, reason: 'truncated' };
  return { ok: true, pair: { inputIds: Int32Array.from(ids), spanIdxs: [s0, s1, o0, o1] } };
}
