/**
 * A scripted stand-in for @platformatic/kafka's consumer, stream and admin (the interfaces of
 * src/kafka/platformatic/library-surface.ts), over an in-memory group: partition logs, committed offsets and a
 * generation. Nothing moves by itself: the schedule (./schedule.ts) decides when a stream fetches, when the
 * group rebalances (also in the middle of a read), how long stable offsets take and when membership is lost, so
 * the adapter meets the interleavings a real cluster produces on bad days, on the mock clock.
 */
import { EventEmitter } from 'node:events';

import {
  LibraryNetworkError, LibraryProtocolError, type GroupConsumer, type LibraryMessage, type OffsetsAdmin, type ReadStream,
} from '../../../src/kafka/platformatic/library-surface.js';

export const TOPIC = 'in';

/** The cluster side: what is written, what the group committed, and whom its coordinator knows. */
export class ScriptedGroup {
  /** Per partition, the log end offset (records 0..end-1 exist). */
  readonly ends: number[];
  readonly committed: number[];
  generation = 0;
  /** The member id the coordinator knows for this member; undefined once it expired it. */
  member: string | undefined;
  /** The broker is away: joins and commits fail at once (connection refused). */
  down = false;

  constructor(partitions: number, records: number) {
    this.ends = Array.from({ length: partitions }, () => records);
    this.committed = Array.from({ length: partitions }, () => 0);
  }
}

/** The library's errors, as its own classes: the adapter's mapping looks inside them. */
const networkError = (): Error => new LibraryNetworkError('Connection refused.');
const refused = (id: 'UNKNOWN_MEMBER_ID' | 'ILLEGAL_GENERATION'): Error => new LibraryProtocolError(id);

function message(partition: number, offset: number, stream: number): LibraryMessage {
  const key = Buffer.from(`${partition}:${offset}`);
  const value = Buffer.from('v');
  const headerEntries: [Buffer, Buffer][] = [[Buffer.from('stream'), Buffer.from(String(stream))]];
  return {
    topic: TOPIC, partition, offset: BigInt(offset), key, value, timestamp: 0n, leaderEpoch: 0, metadata: {},
    headers: new Map(headerEntries), headerEntries,
    commit: () => undefined,
    toJSON: () => ({ key, value, headers: headerEntries, topic: TOPIC, partition, timestamp: '0', offset: String(offset), leaderEpoch: 0, metadata: {} }),
  };
}

/** The library's MessagesStream: reads from the committed offsets of the assignment it was opened under. */
export class StandInStream extends EventEmitter implements ReadStream {
  destroyed = false;
  errored: Error | null = null;
  readonly #buffered: LibraryMessage[] = [];
  readonly #positions = new Map<number, number>();
  /** Runs as a message is handed out: where the schedule injects a rebalance in the middle of a read. */
  onRead: (() => void) | undefined;
  /** Its fetch loop died: it fetches no more and says nothing (a chaos run's read_committed reader did). */
  stalled = false;

  constructor(readonly id: number, readonly group: ScriptedGroup, partitions: readonly number[]) {
    super();
    for (const p of partitions) this.#positions.set(p, group.committed[p] ?? 0);
  }

  /** One fetch of up to `max` records of one of its partitions (what the library's fetch loop does). */
  fetch(pick: (n: number) => number, max: number): number {
    if (this.destroyed || this.stalled) return 0;
    const partitions = [...this.#positions.keys()];
    const partition = partitions[pick(partitions.length)];
    if (partition === undefined) return 0;
    const from = this.#positions.get(partition) ?? 0;
    const to = Math.min(this.group.ends[partition] ?? 0, from + max);
    for (let offset = from; offset < to; offset++) this.#buffered.push(message(partition, offset, this.id));
    this.#positions.set(partition, to);
    this.emit('fetch');
    if (to > from) this.emit('readable');
    return to - from;
  }

  get readableLength(): number {
    return this.#buffered.length;
  }

  isPaused(): boolean {
    return false;
  }

  read(): LibraryMessage | null {
    if (this.destroyed) return null;
    const next = this.#buffered.shift() ?? null;
    if (next !== null) {
      const hook = this.onRead;
      this.onRead = undefined;
      hook?.();
    }
    return next;
  }

  resume(): void { /* fetching is the schedule's */ }

  /** The stream fails (its connection lost while the broker is away): destroyed with the error, as the library's. */
  fail(): void {
    if (this.destroyed) return;
    this.errored = networkError();
    this.destroyed = true;
    this.emit('error', this.errored);
    this.emit('close');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

/**
 * The library's Consumer, keeping its membership as the real one does (@platformatic/kafka 2.12's consumer.js):
 * - a join cancels the heartbeat as it begins and starts it again only when it completes; a join that fails
 *   (the broker away) leaves the old member id and no heartbeat;
 * - consume() joins only without a member id or when its topics were tracked by no stream; a consume whose join
 *   failed leaves its topics tracked, so the next one hands out a stream without joining;
 * - the coordinator rebalances with the members that heartbeat or are joining; one without a heartbeat is
 *   expired (forgotten), and its commits are refused from then on.
 */
export class StandInConsumer extends EventEmitter implements GroupConsumer {
  readonly groupId = 'g';
  readonly coordinatorId = 1;
  memberId: string | null = null;
  generationId = 0;
  readonly memberEpoch = 0;
  /** The adapter's commit on revoke; this stand-in's rebalances hand over at once (the processor-level simulation covers it). */
  beforeRevoke: ((revoked: { topic: string; partitions: number[] }[]) => Promise<void>) | null = null;
  readonly streams: StandInStream[] = [];
  heartbeating = false;
  #assignment: number[] = [];
  /** Streams that track the topic, plus the leak of each consume whose join failed. */
  #tracked = 0;
  #joins: { resolve: (memberId: string) => void; reject: (error: Error) => void }[] = [];
  #members = 0;

  constructor(readonly group: ScriptedGroup) {
    super();
  }

  /** A join is under way (asked by the adapter or by consume()); the schedule completes it with rebalance(). */
  get joinRequested(): boolean {
    return this.#joins.length > 0;
  }

  get assignments(): { topic: string; partitions: number[] }[] {
    return [{ topic: TOPIC, partitions: [...this.#assignment] }];
  }

  isActive(): boolean {
    return this.heartbeating && this.memberId !== null;
  }

  async consume(): Promise<ReadStream> {
    const firstTracker = this.#tracked++ === 0;
    if (this.memberId === null || firstTracker) await this.joinGroup();
    const stream = new StandInStream(this.streams.length, this.group, this.#assignment);
    stream.once('close', () => { this.#tracked = Math.max(0, this.#tracked - 1); });
    this.streams.push(stream);
    return stream;
  }

  /** The newest stream not closed: the one the library keeps fetching for. */
  live(): StandInStream[] {
    return this.streams.filter((s) => !s.destroyed);
  }

  /**
   * The coordinator rebalances the group and hands this member `partitions`, if it takes part: a member that
   * heartbeats learns of it, one that is joining completes its join. One with neither is expired.
   */
  rebalance(partitions: readonly number[]): void {
    if (this.group.down) return;
    this.group.generation++;
    if (!this.heartbeating && !this.joinRequested) {
      this.group.member = undefined;
      return;
    }
    if (this.group.member === undefined || this.group.member !== this.memberId) this.group.member = `m${++this.#members}`;
    this.memberId = this.group.member;
    this.generationId = this.group.generation;
    this.#assignment = [...partitions];
    this.heartbeating = true;
    this.emit('consumer:group:join', { groupId: this.groupId, memberId: this.memberId, generationId: this.generationId, assignments: this.assignments });
    for (const join of this.#joins.splice(0)) join.resolve(this.memberId);
  }

  /** The heartbeat's rejoin failed for good (the library emits 'error' and sends no more heartbeats). */
  loseMembership(): void {
    this.heartbeating = false;
    this.emit('error', networkError());
  }

  commit(options: { offsets: { topic: string; partition: number; offset: bigint }[] }): Promise<void> {
    if (this.group.down) return Promise.reject(networkError());
    if (this.memberId !== this.group.member) return Promise.reject(refused('UNKNOWN_MEMBER_ID'));
    if (this.generationId !== this.group.generation) return Promise.reject(refused('ILLEGAL_GENERATION'));
    for (const o of options.offsets) this.group.committed[o.partition] = Number(o.offset);
    return Promise.resolve();
  }

  listOffsets(): Promise<Map<string, bigint[]>> {
    return Promise.resolve(new Map([[TOPIC, this.group.ends.map((end) => BigInt(end))]]));
  }

  joinGroup(): Promise<string> {
    this.heartbeating = false;
    if (this.group.down) return Promise.reject(networkError());
    return new Promise((resolve, reject) => { this.#joins.push({ resolve, reject }); });
  }

  close(): Promise<void> {
    this.heartbeating = false;
    for (const join of this.#joins.splice(0)) join.reject(new Error('Client closed.'));
    return Promise.resolve();
  }
}

/** Stable committed offsets, answered after a delay the schedule sets (a predecessor's open transaction). */
export class StandInAdmin implements OffsetsAdmin {
  delayMs = 0;

  constructor(readonly group: ScriptedGroup) {}

  async listConsumerGroupOffsets(options: { groups: ({ groupId: string; topics: { name: string; partitionIndexes: number[] }[] } | string)[] }): Promise<{ groupId: string; topics: { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null }[] }[] }[]> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const asked = options.groups.flatMap((g) => (typeof g === 'string' ? [] : g.topics)).flatMap((t) => t.partitionIndexes);
    const partitions = asked.map((p) => ({ partitionIndex: p, committedOffset: BigInt(this.group.committed[p] ?? 0), committedLeaderEpoch: 0, metadata: null }));
    return [{ groupId: 'g', topics: [{ name: TOPIC, partitions }] }];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
