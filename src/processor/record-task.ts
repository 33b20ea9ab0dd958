/** What the processor tracks for one admitted input record until its events are acknowledged. */
import type { PartitionProgress } from '../commit/partition-progress.js';
import type { EncodedPair } from '../encoding/splice-encoder.js';
import type { IncomingMessage } from '../kafka/types.js';
import type { CodePointIndex } from '../pairs/code-points.js';
import type { RelationEvent, TrialRecord } from '../records/avro.js';

/** One assigned partition; a new object on every (re)assignment, so work of a revoked one is recognisable. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly progress: PartitionProgress;
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
