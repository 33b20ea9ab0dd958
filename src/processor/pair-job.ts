/** One candidate pair of an admitted record, on its way through the micro-batcher and inference. */
import type { RecordTask } from '../commit/record-task.js';
import type { IntakePair } from './record-intake.js';

export interface PairJob {
  readonly task: RecordTask;
  /**
   * Its model inputs, allowed labels and event parts, as intake gave them: read when used, not copied here, since
   * a pair read from an intake worker's outcome makes its views on demand (./intake-outcomes.ts).
   */
  readonly pair: IntakePair;
  /** Sequence length, for the batcher's length grouping and token budget. */
  readonly length: number;
}
