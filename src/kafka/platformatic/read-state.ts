/**
 * What a platformatic consumer has read and may hand on, per join of the group: the state machine behind
 * ./consumer.ts, kept free of I/O so that every transition can be driven and checked on its own
 * (test/unit/kafka/platformatic-read-state.test.ts, and through the adapter in the simulation of
 * test/simulation/platformatic/).
 *
 * The epoch is the one clock: a join, a lost membership and a seek each start a new one, and a message read
 * under an older epoch is never handed on. After a join the new stream reads every partition again from its
 * committed offset; what the old one had read would reach the processor ahead of that offset, be taken for
 * redeliveries of records the new generation has yet to process, and the commit point would pass them: lost.
 */
import type { Message } from '@platformatic/kafka';

import { partitionKey } from './group-registry.js';

/** One partition's run of messages, ready for eachBatch. */
export interface PartitionBatch {
  readonly key: string;
  readonly messages: readonly Message[];
  /** The partition's high watermark as last refreshed, never below the batch's end. */
  readonly highWatermark: bigint;
}

export interface AssignedTopic {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export class ReadState {
  /** Bumped by every join, lost membership and seek: messages read before it are dropped. */
  #epoch = 0;
  /** Bumped by joins only: what the stable offsets read after a join belong to. */
  #joins = 0;
  readonly #assigned = new Set<string>();
  readonly #paused = new Set<string>();
  /** Messages of the current epoch held while their partition is paused, in arrival order. */
  readonly #held = new Map<string, Message[]>();
  #heldCount = 0;
  /** Per partition, the first offset not yet committed once the group's offsets were stable (KIP-447). */
  readonly #floors = new Map<string, bigint>();
  /** Per partition, the offset after the last message handed on in this epoch. */
  readonly #positions = new Map<string, bigint>();
  readonly #leaderEpochs = new Map<string, number>();
  readonly #watermarks = new Map<string, bigint>();

  get epoch(): number {
    return this.#epoch;
  }

  get joins(): number {
    return this.#joins;
  }

  isAssigned(topic: string, partition: number): boolean {
    return this.#assigned.has(partitionKey(topic, partition));
  }

  hasAssignment(): boolean {
    return this.#assigned.size > 0;
  }

  /** A new generation's assignment: everything read before it is forgotten. */
  join(assignments: readonly AssignedTopic[]): AssignedTopic[] {
    this.#epoch++;
    this.#joins++;
    this.#assigned.clear();
    for (const a of assignments) for (const p of a.partitions) this.#assigned.add(partitionKey(a.topic, p));
    this.#forgetReads();
    this.#floors.clear();
    for (const key of this.#leaderEpochs.keys()) if (!this.#assigned.has(key)) this.#leaderEpochs.delete(key);
    return assignments.map((a) => ({ topic: a.topic, partitions: [...a.partitions] }));
  }

  /** Out of the group (a failed rejoin, stalled heartbeats): nothing is owned until the next join. */
  lose(): void {
    this.#epoch++;
    this.#assigned.clear();
    this.#forgetReads();
  }

  /** Every partition is read again from its committed offset by a new stream. */
  seek(): void {
    this.#epoch++;
    this.#forgetReads();
  }

  /** The committed offsets read with requireStable after the latest join. */
  setFloor(topic: string, partition: number, offset: bigint): void {
    this.#floors.set(partitionKey(topic, partition), offset);
  }

  floors(): [string, bigint][] {
    return [...this.#floors];
  }

  setWatermark(topic: string, partition: number, offset: bigint): void {
    this.#watermarks.set(partitionKey(topic, partition), offset);
  }

  leaderEpoch(topic: string, partition: number): number {
    return this.#leaderEpochs.get(partitionKey(topic, partition)) ?? -1;
  }

  pause(topic: string, partition: number): void {
    this.#paused.add(partitionKey(topic, partition));
  }

  resume(topic: string, partition: number): void {
    this.#paused.delete(partitionKey(topic, partition));
  }

  /** Reading stops: every assigned partition paused, or too much held. */
  blocked(heldLimit: number): boolean {
    const everythingPaused = this.#assigned.size > 0 && [...this.#assigned].every((key) => this.#paused.has(key));
    return everythingPaused || this.#heldCount >= heldLimit;
  }

  /** The assigned partitions behind their last refreshed watermark, as `topic:partition at/high` (for a log line). */
  lagging(): string[] {
    return [...this.#assigned].flatMap((key) => {
      const high = this.#watermarks.get(key);
      const at = this.#positions.get(key) ?? this.#floors.get(key) ?? 0n;
      return high !== undefined && high > at ? [`${key.replace('\u0000', ':')} ${at}/${high}`] : [];
    });
  }

  /** Messages of one read, by assigned partition in arrival order; others' are dropped. */
  group(messages: readonly Message[]): Map<string, Message[]> {
    const byPartition = new Map<string, Message[]>();
    for (const m of messages) {
      const key = partitionKey(m.topic, m.partition);
      if (!this.#assigned.has(key)) continue;
      const list = byPartition.get(key);
      if (list === undefined) byPartition.set(key, [m]);
      else list.push(m);
    }
    return byPartition;
  }

  /**
   * What to do with one partition's messages read under `readIn`: drop them (an older epoch), hold them (the
   * partition is paused, or holds earlier ones that must go first) or hand them on.
   */
  admit(key: string, messages: Message[], readIn: number): 'dropped' | 'held' | 'deliver' {
    if (readIn !== this.#epoch || !this.#assigned.has(key)) return 'dropped';
    if (!this.#paused.has(key) && !this.#held.has(key)) return 'deliver';
    const waiting = this.#held.get(key);
    if (waiting) waiting.push(...messages);
    else this.#held.set(key, messages);
    this.#heldCount += messages.length;
    return 'held';
  }

  /**
   * The next held run whose partition is no longer paused, taken out to be handed on (held runs are always of
   * the current epoch). One at a time: a partition paused while another's run is delivered stays held.
   */
  nextReleasable(): [string, Message[]] | undefined {
    for (const [key, messages] of this.#held) {
      if (this.#paused.has(key)) continue;
      this.#held.delete(key);
      this.#heldCount -= messages.length;
      if (this.#assigned.has(key)) return [key, messages];
    }
    return undefined;
  }

  /**
   * The batch to hand on now, or undefined: nothing left above the stable floor, an older epoch, or a partition
   * no longer assigned. Records the partition's position and leader epoch.
   */
  take(key: string, fetched: readonly Message[], readIn: number): PartitionBatch | undefined {
    if (readIn !== this.#epoch || !this.#assigned.has(key)) return undefined;
    const floor = this.#floors.get(key);
    const messages = floor === undefined ? fetched : fetched.filter((m) => m.offset >= floor);
    const last = messages.at(-1);
    if (last === undefined) return undefined;
    this.#leaderEpochs.set(key, last.leaderEpoch);
    this.#positions.set(key, last.offset + 1n);
    const high = this.#watermarks.get(key);
    return { key, messages, highWatermark: high !== undefined && high > last.offset ? high : last.offset + 1n };
  }

  /** Whether `key` was handed anything in this epoch (for the first-delivery log line). */
  delivered(key: string): boolean {
    return this.#positions.has(key);
  }

  #forgetReads(): void {
    this.#held.clear();
    this.#heldCount = 0;
    this.#positions.clear();
  }
}
