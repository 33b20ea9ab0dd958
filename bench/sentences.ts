/** Synthetic Spanish trial sentences with 4-12 annotated entities, seeded, for the encoder benchmark. */
import type { SentenceEntity } from '../src/pairs/entities.js';

const CLAUSES: readonly (readonly [string, readonly [string, string][]])[] = [
  ['Se incluirán {pacientes} {mayores de 18 años} con {diabetes mellitus tipo 2}', [['LIVB', 'pacientes'], ['Age', 'mayores de 18 años'], ['DISO', 'diabetes mellitus tipo 2']]],
  ['que recibirán {metformina} {850 mg} {por vía oral} {cada 12 horas}', [['CHEM', 'metformina'], ['Dose', '850 mg'], ['Route', 'por vía oral'], ['Frequency', 'cada 12 horas']]],
  ['{durante 24 semanas}', [['Duration', 'durante 24 semanas']]],
  ['y se realizará una {biopsia} del {hígado}', [['PROC', 'biopsia'], ['ANAT', 'hígado']]],
  ['para valorar la {respuesta al tratamiento}', [['Observation', 'respuesta al tratamiento']]],
  ['junto con {insulina glargina} {20 UI} {por vía subcutánea} {una vez al día}', [['CHEM', 'insulina glargina'], ['Dose', '20 UI'], ['Route', 'por vía subcutánea'], ['Frequency', 'una vez al día']]],
  ['en {mujeres} con {cáncer de mama}', [['LIVB', 'mujeres'], ['DISO', 'cáncer de mama']]],
];

export interface BenchSentence {
  readonly text: string;
  readonly entities: readonly SentenceEntity[];
}

/** A small seeded PRNG (mulberry32): the same sentences on every run and machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchSentences(count: number, seed = 7): BenchSentence[] {
  const next = random(seed);
  const out: BenchSentence[] = [];
  while (out.length < count) {
    let text = '';
    const entities: SentenceEntity[] = [];
    const target = 4 + Math.floor(next() * 9); // 4..12 entities
    while (entities.length < target) {
      const clause = CLAUSES[Math.floor(next() * CLAUSES.length)];
      if (!clause) continue;
      const [template, slots] = clause;
      if (entities.length + slots.length > 12) break;
      text += (text ? ' ' : '') + template.replace(/\{([^}]*)\}/g, '$1');
      let searchFrom = text.length - template.replace(/[{}]/g, '').length;
      for (const [type, surface] of slots) {
        const start = text.indexOf(surface, searchFrom);
        entities.push({ id: `T${entities.length + 1}`, type, start, end: start + surface.length, index: entities.length });
        searchFrom = start + surface.length;
      }
    }
    if (entities.length >= 4) out.push({ text: `${text} .`, entities });
  }
  return out;
}
