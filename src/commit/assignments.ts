/**
 * The partitions this member owns and their ledgers, and the one owner of a record's lifecycle: admitted by
 * the processor, finished when a sink acknowledges its output, committed when a sink reports its offsets
 * durable, retired with its partition. Sinks send and report; only this class writes a ledger.
 *
 * A group join that keeps a partition under the same member id keeps its ledger, with its work in flight
 * (kafkajs fetches again from the committed offset and the ledger recognises what it already admitted). A partition that is revoked, or every partition when the member
 * id changed (the member was evicted, so another may have owned them meanwhile), is retired: its queued work
 * is dropped, its finished work is never committed, and a later assignment starts a new ledger. Before a
 * rebalance gives partitions up, they are marked revoking (nothing more admitted) while their work in flight
 * finishes and commits (../processor/processor.ts, commit on revoke).
 */
import type { GenerationOffset, GroupAssignment, TopicPartitionOffset, TopicPartitions } from '../kafka/types.js';
import { PartitionState } from './record-task.js';

const key = (topic: string, partition: number): string => `${topic}:${partition}`;

export interface CommitPoint extends TopicPartitionOffset {
  readonly state: PartitionState;
}

/** One admitted record whose output a sink acknowledged. */
export interface Acknowledged {
  readonly state: PartitionState;
  readonly offset: bigint;
}

/** Commit `state`'s partition up to `offset` (the next offset to read). */
export function commitPoint(state: PartitionState, offset: bigint): CommitPoint {
  return { state, topic: state.topic, partition: state.partition, offset: offset.toString() };
}

/** The offset a transaction commits for `point`, with the generation its state was owned in. */
export function generationOffset(point: CommitPoint): GenerationOffset {
  const { generation } = point.state;
  return { topic: point.topic, partition: point.partition, offset: point.offset, ...(generation === undefined ? {} : { generation }) };
}

export class Assignments {
  readonly #states = new Map<string, PartitionState>();
  #memberId: string | undefined;

  /** Applies a group join; returns the states it retired. */
  join(assignment: GroupAssignment): PartitionState[] {
    const memberChanged = this.#memberId !== undefined && this.#memberId !== assignment.memberId;
    this.#memberId = assignment.memberId;
    const assigned = new Set(assignment.partitions.flatMap((p) => p.partitions.map((n) => key(p.topic, n))));
    const retired: PartitionState[] = [];
    for (const [k, state] of this.#states) {
      if (assigned.has(k) && !memberChanged) continue;
      state.retire();
      retired.push(state);
      this.#states.delete(k);
    }
    // Kept states move to the new generation too: the same member held them throughout.
    const generation = { memberId: assignment.memberId, generationId: assignment.generationId };
    for (const p of assignment.partitions) {
      for (const n of p.partitions) {
        const state = this.state(p.topic, n);
        state.generation = generation;
        state.revoking = false;
      }
    }
    return retired;
  }

  /** Marks the live states of partitions about to be revoked (they admit nothing more) and returns them. */
  revoking(partitions: readonly TopicPartitions[]): PartitionState[] {
    const states = partitions.flatMap((p) => p.partitions.map((n) => this.#states.get(key(p.topic, n)))).filter((s) => s !== undefined);
    for (const state of states) state.revoking = true;
    return states;
  }

  /** Retires everything (the consumer crashed out of the group and will rejoin from committed offsets). */
  retireAll(): PartitionState[] {
    const retired = [...this.#states.values()];
    for (const state of retired) state.retire();
    this.#states.clear();
    return retired;
  }

  /** The live state of a partition; one is created for a batch that arrives before its join was seen. */
  state(topic: string, partition: number): PartitionState {
    const k = key(topic, partition);
    let state = this.#states.get(k);
    if (!state) {
      state = new PartitionState(topic, partition);
      this.#states.set(k, state);
    }
    return state;
  }

  get partitionsByTopic(): { topic: string; partitions: number[] }[] {
    const byTopic = new Map<string, number[]>();
    for (const s of this.#states.values()) {
      const partitions = byTopic.get(s.topic);
      if (partitions) partitions.push(s.partition);
      else byTopic.set(s.topic, [s.partition]);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  /** Batches delivered per live state (the watchdog's sign of a partition moving). */
  readonly #deliveries = new WeakMap<PartitionState, number>();

  /** Kafka delivered a batch of this partition (new records or redeliveries). */
  delivered(state: PartitionState): void {
    this.#deliveries.set(state, (this.#deliveries.get(state) ?? 0) + 1);
  }

  deliveries(state: PartitionState): number {
    return this.#deliveries.get(state) ?? 0;
  }

  /** The live states, one per owned partition. */
  states(): PartitionState[] {
    return [...this.#states.values()];
  }

  /**
   * Retires a live state and puts a fresh one (new ledger, same generation) in its place: the watchdog's heal,
   * before the partition is read again from its committed offset. Returns the retired state.
   */
  renew(state: PartitionState): PartitionState | undefined {
    const k = key(state.topic, state.partition);
    if (this.#states.get(k) !== state) return undefined;
    state.retire();
    const fresh = new PartitionState(state.topic, state.partition);
    fresh.generation = state.generation;
    this.#states.set(k, fresh);
    return state;
  }

  /** Whether `offset` of this partition was already admitted in this ownership (a redelivery to skip). */
  seen(state: PartitionState, offset: bigint): boolean {
    return state.ledger.seen(offset);
  }

  /** Admits a record: from now on its offset holds the commit point back until it is finished. */
  admit(state: PartitionState, offset: bigint, bytes: number): void {
    if (!state.retired) state.ledger.admit(offset, bytes);
  }

  /** Records whose output the sink acknowledged (sent, or staged in the open transaction). */
  finish(acknowledged: readonly Acknowledged[]): void {
    for (const { state, offset } of acknowledged) if (!state.retired) state.ledger.finish(offset);
  }

  /** Offsets the sink made durable: the next commit point of each starts past them. */
  committed(points: readonly CommitPoint[]): void {
    for (const p of points) if (!p.state.retired) p.state.ledger.markCommitted(BigInt(p.offset));
  }

  /** What may be committed now: for each live partition whose ledger moved since its last commit. */
  commitPoints(): CommitPoint[] {
    return [...this.#states.values()].flatMap((state) => {
      const point = state.ledger.commitPoint();
      return point === undefined ? [] : [commitPoint(state, point)];
    });
  }

  /** Input bytes of the records admitted and not finished, over the live partitions. */
  get bytesInFlight(): number {
    let n = 0;
    for (const s of this.#states.values()) n += s.ledger.bytesInFlight;
    return n;
  }

  get recordsInFlight(): number {
    let n = 0;
    for (const s of this.#states.values()) n += s.ledger.inFlight;
    return n;
  }
}
