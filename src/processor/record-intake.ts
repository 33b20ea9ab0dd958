/**
 * From one Kafka message to pair jobs: decode, validate, sentences, candidate pairs, splice encoding. A
 * record that cannot be processed comes back as a dead-letter verdict instead, never as a thrown error.
 */
import type { Config } from '../config/schema.js';
import { SpliceEncoder } from '../encoding/splice-encoder.js';
import type { IncomingMessage } from '../kafka/types.js';
import type { ModelBundle } from '../model/model-dir.js';
import type { Metrics } from '../observability/metrics.js';
import { candidatePairs } from '../pairs/candidate-pairs.js';
import { CodePointIndex } from '../pairs/code-points.js';
import { pairRulesFor, type PairRules } from '../pairs/pair-rules.js';
import { splitSentences } from '../pairs/sentences.js';
import type { Codec, TrialRecord } from '../records/avro.js';
import { knownEntityTypes } from '../records/entity-types.js';
import { validateRecord, type DeadLetterReason } from '../records/validate-record.js';
import type { PairJob, PartitionState, RecordTask } from './record-task.js';

export type Intake =
  | { readonly kind: 'pairs'; readonly task: RecordTask; readonly jobs: PairJob[] }
  | { readonly kind: 'dead-letter'; readonly reason: DeadLetterReason; readonly message: string };

export class RecordIntake {
  private readonly encoder: SpliceEncoder;
  private readonly rules: PairRules;
  private readonly knownTypes: ReadonlySet<string>;

  constructor(
    private readonly config: Config,
    bundle: ModelBundle,
    private readonly codec: Codec<TrialRecord>,
    private readonly metrics: Metrics,
  ) {
    this.encoder = new SpliceEncoder(bundle);
    this.rules = pairRulesFor(bundle);
    this.knownTypes = knownEntityTypes(Object.keys(bundle.config.typeTags));
  }

  take(message: IncomingMessage, partition: PartitionState): Intake {
    if (message.value === null) return { kind: 'dead-letter', reason: 'malformed_avro', message: 'record has no value (tombstone)' };
    let record: TrialRecord;
    try {
      record = this.codec.decode(message.value);
    } catch (error) {
      return { kind: 'dead-letter', reason: 'malformed_avro', message: `not a TrialRecord: ${(error as Error).message}` };
    }
    const text = new CodePointIndex(record.text);
    const validation = validateRecord(record, text, this.config, this.knownTypes);
    if (!validation.ok) return { kind: 'dead-letter', reason: validation.reason, message: validation.message };

    const sentences = splitSentences(record.text, record.entities, record.language, text);
    const candidates = sentences.map((sentence) => ({ sentence, ...candidatePairs(sentence.entities, this.rules) }));
    const total = candidates.reduce((n, c) => n + c.pairs.length, 0);
    if (total > this.config.maxPairsPerRecord) {
      return { kind: 'dead-letter', reason: 'too_many_pairs', message: `${total} candidate pairs, more than the limit of ${this.config.maxPairsPerRecord}` };
    }

    const task: RecordTask = {
      partition, offset: BigInt(message.offset), message, record, text, pendingPairs: 0, events: [],
    };
    const jobs: PairJob[] = [];
    let truncated = 0;
    let typesNotAllowed = 0;
    for (const { sentence, pairs, typesNotAllowed: notAllowed } of candidates) {
      typesNotAllowed += notAllowed;
      if (pairs.length === 0) continue;
      const encodedSentence = this.encoder.sentence(sentence.text);
      for (const candidate of pairs) {
        const encoded = this.encoder.encode(encodedSentence, candidate.subject, candidate.object);
        if (!encoded.ok) {
          truncated++;
          continue;
        }
        jobs.push({
          task, pair: encoded.pair, subjectIndex: candidate.subject.index, objectIndex: candidate.object.index,
          allowedLabels: candidate.allowedLabels, length: encoded.pair.inputIds.length,
        });
      }
    }
    if (truncated > 0) this.metrics.pairsSkipped.inc({ reason: 'truncated' }, truncated);
    if (typesNotAllowed > 0) this.metrics.pairsSkipped.inc({ reason: 'types_not_allowed' }, typesNotAllowed);
    this.metrics.pairsFormed.inc(jobs.length);
    task.pendingPairs = jobs.length;
    return { kind: 'pairs', task, jobs };
  }
}
