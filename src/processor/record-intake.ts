/**
 * From one Kafka message to pair jobs: decode, validate, sentences, candidate pairs, splice encoding. Intake
 * is total: whatever bytes arrive, the answer is pair jobs or a dead-letter verdict with a reason, never a
 * thrown error. An error nobody foresaw becomes the verdict internal_error (counted), so one record can never
 * stop the stream or crash-loop the consumer.
 */
import type { PartitionState, RecordTask } from '../commit/record-task.js';
import type { Config } from '../config/schema.js';
import { SpliceEncoder } from '../encoding/splice-encoder.js';
import { describeError } from '../errors.js';
import type { IncomingMessage } from '../kafka/types.js';
import type { ModelBundle } from '../model/model-dir.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordTrace } from '../observability/tracing.js';
import { candidatePairs } from '../pairs/candidate-pairs.js';
import { CodePointIndex } from '../pairs/code-points.js';
import { sentenceLanguage } from '../pairs/language.js';
import { pairRulesFor, type PairRules } from '../pairs/pair-rules.js';
import { splitSentences } from '../pairs/sentences.js';
import { boundedMetadata } from '../publish/output-bounds.js';
import type { RecordDecoder, TrialRecord } from '../records/avro.js';
import { knownEntityTypes } from '../records/entity-types.js';
import { validateRecord, type DeadLetterReason } from '../records/validate-record.js';
import type { PairJob } from './pair-job.js';

export type Intake =
  | { readonly kind: 'pairs'; readonly task: RecordTask; readonly jobs: PairJob[] }
  | { readonly kind: 'dead-letter'; readonly reason: DeadLetterReason; readonly message: string };

export type IntakeConfig = Pick<Config, 'maxTextLength' | 'maxEntitiesPerRecord' | 'maxPairsPerRecord' | 'defaultLanguage' | 'maxMetadataBytes'>;

export class RecordIntake {
  private readonly encoder: SpliceEncoder;
  private readonly rules: PairRules;
  private readonly knownTypes: ReadonlySet<string>;

  constructor(
    private readonly config: IntakeConfig,
    bundle: ModelBundle,
    private readonly codec: RecordDecoder<TrialRecord>,
    private readonly metrics: Metrics,
  ) {
    this.encoder = new SpliceEncoder(bundle);
    this.rules = pairRulesFor(bundle);
    this.knownTypes = knownEntityTypes(Object.keys(bundle.config.typeTags));
  }

  take(message: IncomingMessage, partition: PartitionState, trace?: RecordTrace): Intake {
    try {
      return this.intake(message, partition, trace);
    } catch (error) {
      this.metrics.internalErrors.inc({ stage: 'intake' });
      return { kind: 'dead-letter', reason: 'internal_error', message: describeError(error) };
    }
  }

  private intake(message: IncomingMessage, partition: PartitionState, trace: RecordTrace | undefined): Intake {
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

    const { language, fellBack } = sentenceLanguage(record.language, this.config.defaultLanguage);
    if (fellBack) this.metrics.languageFallbacks.inc();
    const sentences = splitSentences(record.text, record.entities, language, text);
    const candidates = sentences.map((sentence) => ({ sentence, ...candidatePairs(sentence.entities, this.rules) }));
    const total = candidates.reduce((n, c) => n + c.pairs.length, 0);
    if (total > this.config.maxPairsPerRecord) {
      return { kind: 'dead-letter', reason: 'too_many_pairs', message: `${total} candidate pairs, more than the limit of ${this.config.maxPairsPerRecord}` };
    }

    const encodedPairs: Omit<PairJob, 'task'>[] = [];
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
        encodedPairs.push({
          pair: encoded.pair, subjectIndex: candidate.subject.index, objectIndex: candidate.object.index,
          allowedLabels: candidate.allowedLabels, length: encoded.pair.inputIds.length,
        });
      }
    }
    if (truncated > 0) this.metrics.pairsSkipped.inc({ reason: 'truncated' }, truncated);
    if (typesNotAllowed > 0) this.metrics.pairsSkipped.inc({ reason: 'types_not_allowed' }, typesNotAllowed);
    this.metrics.pairsFormed.inc(encodedPairs.length);
    const task: RecordTask = {
      partition, offset: BigInt(message.offset), message, record, text, pairCount: encodedPairs.length, events: [],
      metadata: boundedMetadata(record.metadata, this.config.maxMetadataBytes),
      ...(trace === undefined ? {} : { trace }),
    };
    return { kind: 'pairs', task, jobs: encodedPairs.map((pair) => ({ task, ...pair })) };
  }
}
