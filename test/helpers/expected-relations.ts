/**
 * The relations the tiny model should produce for records, computed directly in this process: sentences,
 * candidate pairs, the from-scratch reference encoder (not the processor's splice encoder), one ONNX session,
 * decoding. The processor's Kafka output must equal this.
 */
import { decodeRelation } from '../../src/decoding/decode-relation.js';
import { encodePairFromScratch } from '../../src/encoding/reference-encoder.js';
import { padBatch } from '../../src/inference/batch-tensors.js';
import { openModelSession } from '../../src/inference/model-session.js';
import { loadModelDir } from '../../src/model/model-dir.js';
import { silentLogger } from '../../src/observability/logger.js';
import { candidatePairs } from '../../src/pairs/candidate-pairs.js';
import { pairRulesFor } from '../../src/pairs/pair-rules.js';
import { splitSentences } from '../../src/pairs/sentences.js';
import type { TrialRecord } from '../../src/records/avro.js';
import { tinyModelDir } from './model.js';

export interface ExpectedRelation {
  readonly recordId: string;
  readonly subjectId: string;
  readonly objectId: string;
  readonly relation: string;
  readonly score: number;
}

export async function expectedRelations(records: readonly TrialRecord[], minScore: number): Promise<ExpectedRelation[]> {
  const bundle = await loadModelDir(tinyModelDir);
  const rules = pairRulesFor(bundle);
  const session = await openModelSession(bundle.onnxPath, bundle.config.labels.length, { provider: 'cpu' }, silentLogger);
  const out: ExpectedRelation[] = [];
  try {
    for (const record of records) {
      for (const sentence of splitSentences(record.text, record.entities, record.language)) {
        for (const pair of candidatePairs(sentence.entities, rules).pairs) {
          const encoded = encodePairFromScratch(bundle, sentence.text, pair.subject, pair.object);
          if (!encoded.ok) continue;
          const logits = await session.run(padBatch([encoded.pair], bundle.config.padId));
          const decoded = decodeRelation(logits, 0, bundle.config.labels.length, pair.allowedLabels, minScore);
          if (!decoded) continue;
          out.push({ recordId: record.id, subjectId: pair.subject.id, objectId: pair.object.id, relation: bundle.config.labels[decoded.labelId] ?? '', score: decoded.score });
        }
      }
    }
  } finally {
    await session.close();
  }
  return out;
}
