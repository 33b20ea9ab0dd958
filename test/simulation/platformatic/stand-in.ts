/**
 * A scripted stand-in for @platformatic/kafka's consumer, stream and admin (the interfaces of
 * src/kafka/platformatic/library-surface.ts), over an in-memory group: partition logs, committed offsets and a
 * generation. Nothing moves by itself: the schedule (./schedule.ts) decides when a stream fetches, when the
 * group rebalances (also in the middle of a read), how long stable offsets take and when membership is lost, so
 * the adapter meets the interleavings a real cluster produces on bad days, on the mock clock.
 */
import { EventEmitter } from 'node:events';

import type {
  GroupConsumer, LibraryMessage, OffsetsAdmin, ReadStream,
} from '../../../src/kafka/platformatic/library-surface.js';

export const TOPIC = 'in';

/** The cluster side: what is written and what the group committed. */
export class ScriptedGroup {
  /** Per partition, the log end offset (records 0..end-1 exist). */
  readonly ends: number[];
  readonly committed: number[];
  generation = 0;
  assignment: number[] = [];

  constructor(partitions: number, records: number) {
    this.ends = Array.from({ length: partitions }, () => records);
    this.committed = Array.from({ length: partitions }, () => 0);
  }
}

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

  constructor(readonly id: number, readonly group: ScriptedGroup, partitions: readonly number[]) {
    super();
    for (const p of partitions) this.#positions.set(p, group.committed[p] ?? 0);
  }

  /** One fetch of up to `max` records of one of its partitions (what the library's fetch loop does). */
  fetch(pick: (n: number) => number, max: number): number {
    if (this.destroyed) return 0;
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

  /** Whether a fetch could still find records. */
  behind(): boolean {
    return [...this.#positions].some(([p, at]) => at < (this.group.ends[p] ?? 0));
  }

  read(): LibraryMessage | null {
    const next = this.#buffered.shift() ?? null;
    if (next !== null) {
      const hook = this.onRead;
      this.onRead = undefined;
      hook?.();
    }
    return next;
  }

  resume(): void { /* fetching is the schedule's */ }

  close(): Promise<void> {
    this.destroyed = true;
    this.emit('close');
    return Promise.resolve();
  }
}

/** The library's Consumer: streams per consume(), join events when the schedule rebalances the group. */
export class StandInConsumer extends EventEmitter implements GroupConsumer {
  readonly groupId = 'g';
  readonly memberId = 'm';
  readonly coordinatorId = 1;
  readonly streams: StandInStream[] = [];
  /** Set by joinGroup(): the adapter asked to join again; the schedule answers with a join. */
  joinRequested = false;

  constructor(readonly group: ScriptedGroup) {
    super();
  }

  get generationId(): number {
    return this.group.generation;
  }

  get assignments(): { topic: string; partitions: number[] }[] {
    return [{ topic: TOPIC, partitions: [...this.group.assignment] }];
  }

  consume(): Promise<ReadStream> {
    const stream = new StandInStream(this.streams.length, this.group, this.group.assignment);
    this.streams.push(stream);
    return Promise.resolve(stream);
  }

  /** The newest stream not closed: the one the library keeps fetching for. */
  live(): StandInStream[] {
    return this.streams.filter((s) => !s.destroyed);
  }

  /** A rebalance that hands this member `partitions` under a new generation. */
  join(partitions: readonly number[]): void {
    this.group.generation++;
    this.group.assignment = [...partitions];
    this.joinRequested = false;
    this.emit('consumer:group:join', { groupId: this.groupId, memberId: this.memberId, generationId: this.group.generation, assignments: this.assignments });
  }

  commit(options: { offsets: { topic: string; partition: number; offset: bigint }[] }): Promise<void> {
    for (const o of options.offsets) this.group.committed[o.partition] = Number(o.offset);
    return Promise.resolve();
  }

  listOffsets(): Promise<Map<string, bigint[]>> {
    return Promise.resolve(new Map([[TOPIC, this.group.ends.map((end) => BigInt(end))]]));
  }

  joinGroup(): Promise<string> {
    this.joinRequested = true;
    return Promise.resolve(this.memberId);
  }

  close(): Promise<void> {
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
