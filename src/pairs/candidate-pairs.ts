/** Candidate (subject, object) pairs of one sentence: ordered, subject != object, types allowed by some label. */
import type { SentenceEntity } from './entities.js';
import type { PairRules } from './pair-rules.js';

export interface CandidatePair {
  readonly subject: SentenceEntity;
  readonly object: SentenceEntity;
  readonly allowedLabels: readonly number[];
}

export function candidatePairs(entities: readonly SentenceEntity[], rules: PairRules): { pairs: CandidatePair[]; typesNotAllowed: number } {
  const pairs: CandidatePair[] = [];
  let typesNotAllowed = 0;
  const args = entities.filter((e) => rules.isArgumentType(e.type));
  // Entities that can never be an argument contribute no pairs; count them as the pairs they would have made.
  typesNotAllowed += entities.length * (entities.length - 1) - args.length * (args.length - 1);
  for (const subject of args) {
    for (const object of args) {
      if (subject === object) continue;
      const allowedLabels = rules.allowedLabels(subject.type, object.type);
      if (allowedLabels) pairs.push({ subject, object, allowedLabels });
      else typesNotAllowed++;
    }
  }
  return { pairs, typesNotAllowed };
}
