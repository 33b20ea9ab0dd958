/** What the processor tracks for one admitted input record until its events are acknowledged. */
import type { PartitionProgress } from '../commit/partition-progress.js';
import type { EncodedPair } from '../encoding/splice-encoder.js';
import type { IncomingMessage, OutgoingMessage } from '../kafka/types.js';
import type { CodePointIndex } from '../pairs/code-points.js';
import type { RelationEvent, TrialRecord } from '../records/avro.js';

/** Output of one finished record waiting for its transaction (exactly-once delivery only). */
export interface StagedOutput {
  readonly messages: readonly { readonly topic: string; readonly message: OutgoingMessage }[];
  /** Relation labels of the events, for the metrics once they are committed. */
  readonly relations: readonly string[];
  /** A processed record (not a dead letter), with its Kafka timestamp for the end-to-end latency. */
  readonly processedTimestampMs?: number;
}

/** One assigned partition; a new object on every (re)assignment, so work of a revoked one is recognisable. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly progress: PartitionProgress;
  /** Exactly-once only: finished records' output by offset, until a transaction commits it with the offsets. */
  readonly staged: Map<bigint, StagedOutput>;
  revoked: boolean;
}

export interface RecordTask {
  readonly partition: PartitionState;
  readonly offset: bigint;
  readonly message: IncomingMessage;
  readonly record: TrialRecord;
  readonly text: CodePointIndex;
  /** Pairs not yet back from inference. */
  pendingPairs: number;
  readonly events: RelationEvent[];
}

export interface PairJob {
  readonly task: RecordTask;
  readonly pair: EncodedPair;
  readonly subjectIndex: number;
  readonly objectIndex: number;
  readonly allowedLabels: readonly number[];
  /** Sequence length, for the batcher's length grouping. */
  readonly length: number;
}
