/**
 * From one Kafka message to encoded pairs: decode, validate, sentences, candidate pairs, splice encoding, and
 * the parts of each pair's event that intake already knows (../publish/event-bytes.ts). Intake is total: whatever
 * bytes arrive, the answer is pairs or a dead-letter verdict with a reason, never a thrown error. An error nobody
 * foresaw becomes the verdict internal_error, so one record can never stop the stream or crash-loop the
 * consumer. It runs where ./intake-service.ts puts it (worker threads, or the main thread), so it touches no
 * metrics: what it counted travels in the outcome.
 */
import type { Config } from '../config/schema.js';
import { SpliceEncoder } from '../encoding/splice-encoder.js';
import { describeError } from '../errors.js';
import type { ModelBundle } from '../model/model-dir.js';
import { candidatePairs } from '../pairs/candidate-pairs.js';
import { CodePointIndex } from '../pairs/code-points.js';
import { sentenceLanguage } from '../pairs/language.js';
import { pairRulesFor, type PairRules } from '../pairs/pair-rules.js';
import { splitSentences } from '../pairs/sentences.js';
import type { EventParts, PairParts, RecordParts } from '../publish/event-bytes.js';
import { boundedMetadata } from '../publish/output-bounds.js';
import type { RecordDecoder, TrialRecord } from '../records/avro.js';
import { knownEntityTypes } from '../records/entity-types.js';
import { validateRecord, type DeadLetterReason } from '../records/validate-record.js';
import type { LabelIds } from '../decoding/decode-relation.js';

/** One encoded pair: the model's inputs and its event's parts. */
export interface IntakePair {
  /** [CLS] + word pieces with markers + [SEP]. */
  readonly inputIds: Int32Array;
  readonly spanIdxs: readonly [number, number, number, number];
  readonly allowedLabels: LabelIds;
  readonly parts: PairParts;
}

export type RecordOutcome =
  | { readonly kind: 'dead-letter'; readonly reason: DeadLetterReason; readonly message: string }
  | {
    readonly kind: 'pairs';
    readonly recordId: string;
    readonly parts: RecordParts;
    readonly pairs: readonly IntakePair[];
    readonly languageFallback: boolean;
    /** Candidate pairs left out: cut by the model's length, or of types the model does not pair. */
    readonly truncated: number;
    readonly typesNotAllowed: number;
  };

/** What intake reads of a message. */
export interface IntakeMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: Buffer | null;
}

export type IntakeConfig = Pick<Config, 'maxTextLength' | 'maxEntitiesPerRecord' | 'maxPairsPerRecord' | 'defaultLanguage' | 'maxMetadataBytes'>;

export class RecordIntake {
  private readonly encoder: SpliceEncoder;
  private readonly rules: PairRules;
  private readonly knownTypes: ReadonlySet<string>;

  constructor(
    private readonly config: IntakeConfig,
    bundle: ModelBundle,
    private readonly codec: RecordDecoder<TrialRecord>,
    private readonly events: EventParts,
  ) {
    this.encoder = new SpliceEncoder(bundle);
    this.rules = pairRulesFor(bundle);
    this.knownTypes = knownEntityTypes(Object.keys(bundle.config.typeTags));
  }

  take(message: IntakeMessage): RecordOutcome {
    try {
      return this.intake(message);
    } catch (error) {
      return { kind: 'dead-letter', reason: 'internal_error', message: describeError(error) };
    }
  }

  private intake(message: IntakeMessage): RecordOutcome {
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
    const sentences = splitSentences(record.text, record.entities, language, text);
    const candidates = sentences.map((sentence) => ({ sentence, ...candidatePairs(sentence.entities, this.rules) }));
    const total = candidates.reduce((n, c) => n + c.pairs.length, 0);
    if (total > this.config.maxPairsPerRecord) {
      return { kind: 'dead-letter', reason: 'too_many_pairs', message: `${total} candidate pairs, more than the limit of ${this.config.maxPairsPerRecord}` };
    }

    const provenance = { topic: message.topic, partition: message.partition, offset: Number(message.offset) };
    const argumentsOf = new Map<number, Buffer>();
    const pairs: IntakePair[] = [];
    let truncated = 0;
    let typesNotAllowed = 0;
    for (const { sentence, pairs: sentencePairs, typesNotAllowed: notAllowed } of candidates) {
      typesNotAllowed += notAllowed;
      if (sentencePairs.length === 0) continue;
      const encodedSentence = this.encoder.sentence(sentence.text);
      for (const candidate of sentencePairs) {
        const encoded = this.encoder.encode(encodedSentence, candidate.subject, candidate.object);
        if (!encoded.ok) {
          truncated++;
          continue;
        }
        pairs.push({
          inputIds: encoded.pair.inputIds, spanIdxs: encoded.pair.spanIdxs, allowedLabels: candidate.allowedLabels,
          parts: this.events.pair(record, text, candidate.subject.index, candidate.object.index, provenance, argumentsOf),
        });
      }
    }
    return {
      kind: 'pairs', recordId: record.id, parts: this.events.record(record, boundedMetadata(record.metadata, this.config.maxMetadataBytes)),
      pairs, languageFallback: fellBack, truncated, typesNotAllowed,
    };
  }
}
