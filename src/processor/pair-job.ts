/** One candidate pair of an admitted record, on its way through the micro-batcher and inference. */
import type { RecordTask } from '../commit/record-task.js';
import type { EncodedPair } from '../encoding/splice-encoder.js';

export interface PairJob {
  readonly task: RecordTask;
  readonly pair: EncodedPair;
  readonly subjectIndex: number;
  readonly objectIndex: number;
  readonly allowedLabels: readonly number[];
  /** Sequence length, for the batcher's length grouping and token budget. */
  readonly length: number;
}
