/** One candidate pair of an admitted record, on its way through the micro-batcher and inference. */
import type { RecordTask } from '../commit/record-task.js';
import { tokenCount } from '../inference/packed-pairs.js';
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

/**
 * A pair that is its own job once its record's task is known: one read from an intake worker's outcome
 * (./intake-outcomes.ts). A job waits in the queue, in inference and for its event, long enough to be promoted, so
 * the job is not one more object per pair.
 */
export interface JobPair extends IntakePair {
  /** This pair as `task`'s job (a pair belongs to one record, so this is called once). */
  asJobOf(task: RecordTask): PairJob;
}

function isJobPair(pair: IntakePair): pair is JobPair {
  return 'asJobOf' in pair;
}

/** `pair` of `task` as a job for the micro-batcher. */
export function pairJob(task: RecordTask, pair: IntakePair): PairJob {
  return isJobPair(pair) ? pair.asJobOf(task) : { task, pair, length: tokenCount(pair) };
}
