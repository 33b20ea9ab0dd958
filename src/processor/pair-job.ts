/** One candidate pair of an admitted record, on its way through the micro-batcher and inference. */
import type { RecordTask } from '../commit/record-task.js';
import type { LabelIds } from '../decoding/decode-relation.js';
import type { EncodedPair } from '../encoding/splice-encoder.js';
import type { PairParts } from '../publish/event-bytes.js';

export interface PairJob {
  readonly task: RecordTask;
  readonly pair: EncodedPair;
  readonly allowedLabels: LabelIds;
  /** Its event's parts intake encoded (../publish/event-bytes.ts). */
  readonly parts: PairParts;
  /** Sequence length, for the batcher's length grouping and token budget. */
  readonly length: number;
}
