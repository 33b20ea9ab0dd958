/** What the processor tracks per assigned partition and per admitted input record until it is committed. */
import type { GroupGeneration, IncomingMessage } from '../kafka/types.js';
import type { RecordTrace } from '../observability/tracing.js';
import type { RecordParts } from '../publish/event-bytes.js';
import { PartitionLedger } from './partition-ledger.js';

/**
 * One partition in one stretch of ownership. A partition that is revoked, or whose member lost its
 * membership, is retired and a later assignment gets a new state (a new ledger): work of a retired state is
 * recognisable everywhere and never committed.
 */
export class PartitionState {
  readonly ledger = new PartitionLedger();
  #retired = false;
  /**
   * The generation this member owns the partition in (the latest join that kept it). Transactional offsets
   * present it, never the consumer's current one: a state retired by a crash and a rejoin keeps its old
   * generation, so a transaction of it still in flight is refused instead of committing under the new one.
   */
  generation: GroupGeneration | undefined;

  /** Being given up in a rebalance: nothing more is admitted; the join that follows keeps or retires it. */
  revoking = false;

  constructor(readonly topic: string, readonly partition: number) {}

  get retired(): boolean {
    return this.#retired;
  }

  retire(): void {
    this.#retired = true;
  }
}

export interface RecordTask {
  readonly partition: PartitionState;
  readonly offset: bigint;
  readonly message: IncomingMessage;
  readonly recordId: string;
  /** What every event of the record carries, encoded once by intake (its id, its metadata bounded in size). */
  readonly parts: RecordParts;
  /**
   * Its pairs (each one inference row) not yet back from inference: intake's count, counted down by the batch
   * runner. A field of the task, not a WeakMap entry per record in flight, which every full collection marks as an
   * ephemeron.
   */
  pairsPending: number;
  /**
   * Its relation events' values, spliced as its pairs are decoded (../publish/event-bytes.ts), and their labels,
   * one for one: values and labels, not an object per event, since events wait for their acknowledgement long
   * enough to be promoted (an event's id, for a log line, is read back from its value).
   */
  readonly events: Buffer[];
  readonly relations: string[];
  /** Its spans, with tracing on (../observability/tracing.ts). */
  readonly trace?: RecordTrace;
}
