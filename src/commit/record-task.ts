/** What the processor tracks per assigned partition and per admitted input record until it is committed. */
import type { GroupGeneration, IncomingMessage } from '../kafka/types.js';
import type { RecordTrace } from '../observability/tracing.js';
import type { CodePointIndex } from '../pairs/code-points.js';
import type { RelationEvent, TrialRecord } from '../records/avro.js';
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
  readonly record: TrialRecord;
  readonly text: CodePointIndex;
  /** record.metadata bounded in size (../publish/output-bounds.ts); what every event of the record carries. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Candidate pairs the record was turned into (each one inference row). */
  readonly pairCount: number;
  readonly events: RelationEvent[];
  /** Its spans, with tracing on (../observability/tracing.ts). */
  readonly trace?: RecordTrace;
}
