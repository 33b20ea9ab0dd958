import { findErrorBy, type Message } from '@platformatic/kafka';

import { RelstreamError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { sleep } from '../../sleep.js';
import type { GroupProtocol } from '../client-kinds.js';
import type { ConsumerRunOptions, GroupGeneration, IncomingMessage, KafkaConsumer } from '../types.js';
import { guarded, toRelstreamError } from './errors.js';
import type { Membership } from './group-registry.js';
import type { GroupConsumer, OffsetsAdmin, ReadStream } from './library-surface.js';
import { ReadState, type AssignedTopic } from './read-state.js';

/** Messages held for a paused partition beyond which the adapter stops reading (the stream then stops fetching). */
const HELD_MESSAGES_LIMIT = 10_000;
/** How long a retriable stream failure waits before the stream is opened again (the group is rejoined). */
const RESTART_DELAY_MS = 1000;
/** How often the high watermarks behind IncomingBatch.highWatermark (the lag metric) are refreshed and the membership looked at. */
const TICK_MS = 2000;
/**
 * How long a stream with partitions to read and room to read into may go without a fetch answer before its
 * fetch loop counts as dead (see FetchWatch). The library answers every fetch within its maxWaitTime (5 s) and a
 * round trip, empty ones too; its own cleanup of a fetch that never answers waits 120 s.
 */
const FETCH_LAPSE_MS = 30_000;
/** How long a new owner waits for a predecessor's pending transactional offsets before it reads on anyway. */
const STABLE_OFFSETS_TIMEOUT_MS = 90_000;
/**
 * How long the library may be without a heartbeat before this joins the group for it (see watchMembership):
 * a join in progress also stops the heartbeat, for a moment on a healthy cluster.
 */
const MEMBERSHIP_LAPSE_MS = 10_000;

/** Looks up the membership a transaction's offsets are committed under (./producer.ts). */
export type MembershipLookup = (topic: string, partition: number, generation?: GroupGeneration) => Membership | undefined;

/**
 * relstream's consumer over the library's: reads its stream, hands each partition's messages on in order,
 * drops what was read before a join (./read-state.ts), and rejoins when the library leaves the group for good.
 * `register` publishes the membership lookup for transactions and returns its removal.
 */
export function wrapConsumer(
  consumer: GroupConsumer, newAdmin: () => OffsetsAdmin, register: (membership: MembershipLookup) => () => void, log: Logger, protocol: GroupProtocol = 'classic',
): KafkaConsumer {
  const state = new ReadState();
  let stable: Promise<void> = Promise.resolve();
  let stablePending = false;
  let switching: Promise<void> | undefined;
  const fetchWatch = new FetchWatch(FETCH_LAPSE_MS, TICK_MS);
  let admin: OffsetsAdmin | undefined;
  let stream: ReadStream | undefined;
  const life = { stopping: false };
  let joined: { readonly memberId: string; readonly generationId: number } | undefined;
  // Read through a call after an await: TS keeps the narrowing from before it.
  const isStopping = (): boolean => life.stopping;
  const streamChanged = (read: ReadStream): boolean => switching !== undefined || stream !== read;
  let wake: (() => void) | undefined;
  let loopDone: Promise<void> | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let disconnecting: Promise<void> | undefined;
  let runOptions: ConsumerRunOptions | undefined;
  let rejoining: Promise<void> | undefined;
  let inactiveSince: number | undefined;

  // The generation the offsets' records were read in when the caller names it, else the one the assignment was
  // handed out under (the last join), as the Java client's groupMetadata(): a zombie that missed a rebalance,
  // or a transaction begun before a crash and rejoin, presents a generation the broker no longer accepts. A
  // partition no longer assigned here has none. Under KIP-848 the member epoch moves on with every change of the
  // group, also one that leaves this member's partitions as they are (no join event then): the broker takes only the
  // current one, so a transaction presents the live epoch, under the member id its records were read with.
  const unregister = register((topic, partition, generation) => {
    const current = generation ?? joined;
    if (!state.isAssigned(topic, partition) || current === undefined || consumer.coordinatorId === null) return undefined;
    const generationId = protocol === 'consumer' && current.memberId === consumer.memberId ? consumer.memberEpoch : current.generationId;
    return { groupId: consumer.groupId, memberId: current.memberId, generationId, coordinatorId: consumer.coordinatorId };
  });

  const signal = (): void => { wake?.(); };

  /**
   * KIP-447: a partition's previous owner may have a transaction in flight that commits its offsets. The
   * library reads committed offsets without requireStable, so the stream may start below them and hand this
   * member records the predecessor's committed transaction already covered: duplicates for read_committed
   * readers. After each join, the group's offsets are read again with requireStable and nothing below them is
   * delivered. While a predecessor's transaction holds offsets open, the broker answers UNSTABLE_OFFSET_COMMIT:
   * the library retries that a few times and then throws it (found nested in its errors), and this waits on.
   */
  async function awaitStableOffsets(partitions: readonly AssignedTopic[], join: number): Promise<void> {
    if (partitions.length === 0) return;
    admin ??= newAdmin();
    const started = Date.now();
    const deadline = started + STABLE_OFFSETS_TIMEOUT_MS;
    for (;;) {
      try {
        const [group] = await withTimeout(admin.listConsumerGroupOffsets({
          groups: [{ groupId: consumer.groupId, topics: partitions.map((p) => ({ name: p.topic, partitionIndexes: [...p.partitions] })) }],
          requireStable: true,
        }), 10_000, 'reading stable committed offsets');
        // A later join reads its own; these belong to an assignment that is gone.
        if (join !== state.joins) return;
        for (const topic of group?.topics ?? []) {
          for (const p of topic.partitions) if (p.committedOffset >= 0n) state.setFloor(topic.name, p.partitionIndex, p.committedOffset);
        }
        const waitedMs = Date.now() - started;
        log.debug('stable committed offsets of the new assignment', { floors: state.floors().map(([key, offset]) => `${key.replace('\u0000', ':')}@${offset}`) });
        // Long waits are a predecessor's transaction left open (a killed member: until the transaction timeout).
        if (waitedMs >= 1000) log.info('waited for a previous owner\'s open transaction before reading the new partitions', { waitedMs });
        return;
      } catch (error) {
        const unstable = findErrorBy(error instanceof Error ? error : null, 'apiId', 'UNSTABLE_OFFSET_COMMIT') !== null;
        if (Date.now() > deadline || (!unstable && !toRelstreamError(error, 'fetchOffsets').retriable)) {
          log.warn('could not read stable committed offsets; reading on from the stream\'s position', { error: toRelstreamError(error, 'fetchOffsets').message });
          return;
        }
        await sleep(unstable ? 100 : 500);
      }
    }
  }

  /**
   * `sameMember`: the join keeps this member's id. A partition it read on up to this change (no lost membership
   * between: that clears the assignment) had no other owner meanwhile, so no predecessor's transaction can hold its
   * offsets: only this member's own open one, which the stable read would wait out for up to a commit interval
   * while nothing is delivered (the longest output gap of a KIP-848 exactly-once scale-out). Its records read again
   * below that transaction's offsets are redeliveries the processor skips.
   */
  function applyAssignment(assignments: readonly AssignedTopic[], sameMember: boolean): AssignedTopic[] {
    const fresh = sameMember
      ? assignments.map((a) => ({ topic: a.topic, partitions: a.partitions.filter((p) => !state.isAssigned(a.topic, p)) })).filter((a) => a.partitions.length > 0)
      : assignments;
    const partitions = state.join(assignments);
    stablePending = true;
    stable = awaitStableOffsets(fresh, state.joins).finally(() => { stablePending = false; });
    return partitions;
  }

  /**
   * Ends a stream nothing reads any more: destroyed, not closed. The library's close waits for the stream's end,
   * which a stream still holding messages nobody reads never reaches, and while it waits the consumer's next stream
   * fetches nothing (measured under KIP-848: the new stream's first fetch came 5 s late, at the moment the old one
   * was destroyed; awaited, the close stalled the member for good). Nothing of it is lost: what it held is read
   * again from the committed offsets.
   */
  function retire(old: ReadStream): void {
    if (!old.destroyed) old.destroy();
  }

  async function openStream(options: ConsumerRunOptions): Promise<ReadStream> {
    const opened = await consumer.consume({
      topics: [...options.topics],
      mode: 'committed',
      fallbackMode: options.fromBeginning ? 'earliest' : 'latest',
      autocommit: false,
    });
    fetchWatch.alive(opened);
    opened.on('fetch', () => { fetchWatch.alive(opened); options.onFetch?.(); });
    opened.on('readable', signal);
    opened.on('error', signal);
    opened.on('close', signal);
    return opened;
  }

  /**
   * After a join, reading goes on from a new stream opened once the group's offsets are stable. The old one
   * may still hold, or be fetching, messages from positions of the previous generation: delivered after the
   * join, they would reach the processor ahead of the committed offsets the new generation starts from, which
   * it would then take for redeliveries and skip (lost). The new stream is opened before the old one ends,
   * so the consumer keeps its subscription and does not rejoin.
   */
  function switchStream(options: ConsumerRunOptions): void {
    const join = state.epoch;
    const previous = switching ?? Promise.resolve();
    const next = previous.then(async () => {
      await untilStable();
      if (join !== state.epoch || life.stopping) return;
      const started = Date.now();
      const opened = await openStream(options);
      let fetched = false;
      opened.on('fetch', () => {
        if (!fetched) log.debug('first fetch of the new stream', { epoch: join, afterMs: Date.now() - started });
        fetched = true;
      });
      const old = stream;
      stream = opened;
      if (old !== undefined && old !== opened) retire(old);
    }).catch((error: unknown) => {
      log.warn('could not open the consumer stream after a rebalance', { error: toRelstreamError(error, 'consume').message });
      // The old stream reads on from the previous generation's positions, which may lie past this one's
      // committed offsets: never read it under the new join. Without a stream the loop joins again.
      if (join !== state.epoch) return;
      const old = stream;
      stream = undefined;
      state.lose();
      options.onCrash?.(toRelstreamError(error, 'consume'), true);
      if (old !== undefined) retire(old);
    }).finally(() => {
      if (switching === next) switching = undefined;
      signal();
    });
    switching = next;
  }

  /** Everything the stream has buffered, without waiting. */
  function drain(from: ReadStream): Message[] {
    const out: Message[] = [];
    for (let m = from.read(); m !== null; m = from.read()) out.push(m);
    return out;
  }

  async function deliver(options: ConsumerRunOptions, key: string, fetched: readonly Message[], readIn: number): Promise<void> {
    // Read before the latest join: the new stream reads these again, in order, from the committed offsets.
    if (readIn !== state.epoch) return;
    await untilStable();
    const firstDelivery = !state.delivered(key);
    const batch = state.take(key, fetched, readIn);
    const first = batch?.messages[0];
    if (batch === undefined || first === undefined) return;
    if (firstDelivery) log.debug('first delivery since the join', { partition: `${first.topic}:${first.partition}`, offset: String(first.offset), epoch: readIn });
    await options.eachBatch(
      { topic: first.topic, partition: first.partition, highWatermark: String(batch.highWatermark), messages: batch.messages.map(toIncoming) },
      { heartbeat: () => Promise.resolve(), isActive: () => !life.stopping && state.isAssigned(first.topic, first.partition) },
    );
  }

  /** Waits for the stable offsets of the latest join, also when another join comes while waiting. */
  async function untilStable(): Promise<void> {
    for (let current = stable; ; current = stable) {
      await current;
      if (current === stable) return;
    }
  }

  /** Groups by partition in arrival order; drops partitions no longer assigned; holds the paused ones. */
  async function dispatch(options: ConsumerRunOptions, messages: readonly Message[], readIn: number): Promise<void> {
    await untilStable();
    for (const [key, list] of state.group(messages)) {
      // Read before a join that came meanwhile (while waiting for stable offsets, or during an earlier
      // partition's delivery): dropped, as deliver() drops them. Held, they would be released under the new
      // join's epoch, ahead of the committed offsets the new stream starts from, and the records between would
      // be skipped as redeliveries while the commit point passed them: lost (how, most likely, a chaos run lost a
      // run of 59 records of one partition).
      if (life.stopping || readIn !== state.epoch) return;
      if (state.admit(key, list, readIn) === 'deliver') await deliver(options, key, list, readIn);
    }
  }

  /** Held messages are always of the current join: a join clears them, and dispatch holds no older ones. */
  async function releaseHeld(options: ConsumerRunOptions): Promise<void> {
    for (let next = state.nextReleasable(); next !== undefined && !life.stopping; next = state.nextReleasable()) {
      await deliver(options, next[0], next[1], state.epoch);
    }
  }

  /**
   * Joins the group until a join succeeds; one at a time. The library cancels its heartbeat when a join begins
   * and starts it again only when one completes: after a join that failed (the broker away) it keeps its member
   * id and topics, hands out streams without joining, and sends no heartbeat: a member to itself only, which the
   * coordinator expires and whose transactional offsets it refuses (UNKNOWN_MEMBER_ID) for good. Nothing in the
   * library joins again then; this does. Its join event reports the membership and switches the stream.
   */
  function rejoin(why: string): void {
    if (rejoining !== undefined || life.stopping) return;
    log.info('joining the consumer group again', { why, memberId: consumer.memberId, generationId: consumer.generationId });
    rejoining = (async () => {
      while (!isStopping()) {
        try {
          await consumer.joinGroup({});
          return;
        } catch (error) {
          log.warn('joining the group again failed; retrying', { error: toRelstreamError(error, 'joinGroup').message });
          await sleep(RESTART_DELAY_MS);
        }
      }
    })().finally(() => { rejoining = undefined; });
  }

  /**
   * The last line for the case above, whatever path led to it: a library without a heartbeat for
   * MEMBERSHIP_LAPSE_MS while it should be a member is made to join (a join in progress is shared, not doubled).
   */
  function watchMembership(): void {
    if (life.stopping || rejoining !== undefined || consumer.isActive()) {
      inactiveSince = undefined;
      return;
    }
    const now = Date.now();
    inactiveSince ??= now;
    if (now - inactiveSince < MEMBERSHIP_LAPSE_MS) return;
    inactiveSince = undefined;
    rejoin('the client has sent no heartbeat for a while: its membership lapsed');
  }

  async function refreshWatermarks(topics: readonly string[]): Promise<void> {
    const offsets = await consumer.listOffsets({ topics: [...topics] });
    for (const [topic, perPartition] of offsets) perPartition.forEach((offset, partition) => { state.setWatermark(topic, partition, offset); });
  }

  /**
   * A stream that failed or stopped: the next one reads from the committed offsets, behind what this one handed
   * on, so the membership counts as lost until the next join and no delivery goes back within one. False when
   * the failure is not retriable (the loop ends).
   */
  function abandon(options: ConsumerRunOptions, current: ReadStream, error: Error): boolean {
    stream = undefined;
    retire(current);
    const mapped = toRelstreamError(error, 'consume');
    log.warn('the consumer stream failed', { error: mapped.message, retriable: mapped.retriable });
    state.lose();
    options.onCrash?.(mapped, mapped.retriable);
    return mapped.retriable;
  }

  async function loop(options: ConsumerRunOptions): Promise<void> {
    while (!life.stopping) {
      if (switching !== undefined) {
        await switching;
        continue;
      }
      const current = stream;
      if (current?.destroyed === true) {
        if (isStopping()) return;
        if (!abandon(options, current, current.errored ?? new RelstreamError('RELSTREAM_KAFKA_CONNECTION', 'the consumer stream closed', { retriable: true }))) return;
        continue;
      }
      if (current === undefined) {
        // Reading resumes with the next join, whose event opens a stream from the committed offsets
        // (switchStream). Not consume() here: it joins only when the library thinks it must, and after a join
        // that failed in the outage it keeps its old member id, hands out a stream and sends no heartbeat: the
        // coordinator expires the member and refuses its transactional offsets (UNKNOWN_MEMBER_ID) for good.
        rejoin('the consumer stream failed');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, RESTART_DELAY_MS).unref();
        });
        wake = undefined;
        continue;
      }
      await releaseHeld(options);
      // A join, seek or switch during those deliveries: `current` may be the old stream, and what it still holds
      // would be read under the new epoch and handed on ahead of the committed offsets (found by the simulation,
      // seed 1061721784: p3 17..21 of the old stream delivered after a join whose stream starts at 10).
      if (streamChanged(current)) continue;
      const blocked = state.blocked(HELD_MESSAGES_LIMIT);
      const readIn = state.epoch;
      const messages = blocked ? [] : drain(current);
      // A stream that holds nothing and has partitions to read fetches, or its fetch loop died: once a chaos run's
      // read_committed reader stopped for good after a transactional writer was killed, while fresh readers read
      // on. Such a stream is given up as a failed one (and the group rejoined): the next reads from new
      // connections and a new fetch session.
      if (messages.length > 0 || blocked || !state.hasAssignment()) fetchWatch.alive(current);
      else if (fetchWatch.dead(current)) {
        log.warn('the consumer stream stopped fetching; opening a new one', {
          quietMs: fetchWatch.quietMs(current), stablePending, behind: state.lagging(), member: consumer.isActive(), buffered: current.readableLength, paused: current.isPaused(),
        });
        if (!abandon(options, current, new RelstreamError('RELSTREAM_KAFKA_CONNECTION', `the consumer stream fetched nothing for ${FETCH_LAPSE_MS} ms`, { retriable: true }))) return;
        continue;
      }
      if (messages.length > 0) {
        await dispatch(options, messages, readIn);
        continue;
      }
      if (isDestroyed(current)) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        // A readable event may have fired between the drain and now: never wait longer than a moment blind.
        setTimeout(resolve, blocked ? 50 : 200).unref();
      });
      wake = undefined;
    }
  }

  return {
    run: (options: ConsumerRunOptions) => guarded('consume', async () => {
      runOptions = options;
      let lastJoin = '';
      consumer.on('consumer:group:join', (payload) => {
        // KIP-848 (relstream's library patch) announces the assignment as it is applied and again when the join's
        // first answer completes: the same membership twice is one join.
        const seen = JSON.stringify([payload.memberId, payload.generationId, payload.assignments]);
        if (protocol === 'consumer' && seen === lastJoin) return;
        lastJoin = seen;
        const sameMember = joined?.memberId === payload.memberId;
        joined = { memberId: payload.memberId, generationId: payload.generationId ?? consumer.generationId };
        const partitions = applyAssignment(payload.assignments ?? [], sameMember);
        options.onGroupJoin?.({ memberId: joined.memberId, generationId: joined.generationId, partitions });
        switchStream(options);
        signal();
      });
      consumer.on('consumer:group:rebalance', () => { options.onRebalancing?.(); });
      const { onRevoking } = options;
      if (onRevoking !== undefined) consumer.beforeRevoke = (revoked) => onRevoking(revoked);
      // The library emits 'error' when a rejoin after a failed heartbeat fails for good (an outage that outlasts
      // its retries, a close during the rejoin): unheard, the process would die of it. The consumer is then out
      // of the group with no heartbeat of its own, and nothing in the library joins again: this does, until it
      // succeeds (its join event switches the stream). Meanwhile nothing read is delivered or committed.
      const lostMembership = (error: unknown): void => {
        const mapped = toRelstreamError(error, 'consume');
        if (isStopping()) {
          log.debug('consumer error while closing', { error: mapped.message });
          return;
        }
        // Already out and joining again (the library emits 'error' and stalled heartbeats for one loss).
        if (rejoining !== undefined && !state.hasAssignment()) return;
        log.warn('the consumer lost its group membership; joining again', { error: mapped.message });
        state.lose();
        options.onCrash?.(mapped, true);
        rejoin('the client left the group');
      };
      consumer.on('error', lostMembership);
      consumer.on('consumer:heartbeat:stalled', (payload) => { lostMembership(payload.lastError ?? new Error('consumer heartbeats stalled')); });
      // The first consume joins the group; the join opens the stream that is read (switchStream).
      const first = await openStream(options);
      if (stream === undefined && switching === undefined) stream = first;
      // Ended only once the switch opened its stream: ending it first would drop the subscription and rejoin.
      else void Promise.resolve(switching).then(() => { if (stream !== first) retire(first); });
      tickTimer = setInterval(() => {
        refreshWatermarks(options.topics).catch(() => undefined);
        watchMembership();
      }, TICK_MS);
      tickTimer.unref();
      loopDone = loop(options).catch((error: unknown) => { options.onCrash?.(toRelstreamError(error, 'consume'), false); });
    }),
    commitOffsets: (offsets) => guarded('commitOffsets', () => consumer.commit({
      offsets: offsets.map((o) => ({
        topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: state.leaderEpoch(o.topic, o.partition),
      })),
    })),
    // The library's stream cannot seek one partition: a new stream (committed mode) reads every partition
    // from its committed offset; what was read under the old one is dropped, as after a join.
    seekToCommitted: () => {
      if (runOptions === undefined || life.stopping) return;
      state.seek();
      switchStream(runOptions);
      signal();
    },
    // A JoinGroup under the same member id: the coordinator rebalances and the join event hands out a fresh
    // assignment (computed with current metadata) through the usual path.
    rejoinGroup: () => { rejoin('asked to'); },
    pause: (partitions) => {
      for (const p of partitions) for (const n of p.partitions) state.pause(p.topic, n);
    },
    resume: (partitions) => {
      for (const p of partitions) for (const n of p.partitions) state.resume(p.topic, n);
      signal();
    },
    disconnect: () => (disconnecting ??= guarded('disconnect', async () => {
      life.stopping = true;
      clearInterval(tickTimer);
      signal();
      unregister();
      if (stream !== undefined) retire(stream);
      await loopDone;
      await admin?.close().catch(() => undefined);
      await consumer.close();
    })),
  };
}

/** The headers of every message without any: a consumed message waits a fetch's worth of work, so it is promoted. */
const NO_HEADERS: IncomingMessage['headers'] = Object.freeze({});

function toIncoming(m: Message): IncomingMessage {
  // fromEntries: a header named __proto__ is a header like any other, not the object's prototype.
  const headers = m.headerEntries.length === 0 ? NO_HEADERS : Object.fromEntries(m.headerEntries.map(([name, value]) => [name.toString(), value]));
  return {
    topic: m.topic, partition: m.partition, offset: String(m.offset), key: orNull(m.key), value: orNull(m.value), headers,
    timestampMs: Number(m.timestamp),
  };
}

/** Rejects after `ms`: a request the client never answers must not hold the stream for good. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new RelstreamError('RELSTREAM_KAFKA_CONNECTION', `${what}: no answer within ${ms} ms`, { retriable: true })); }, ms);
  });
  return Promise.race([work, timeout]).finally(() => { clearTimeout(timer); });
}

/** The client types key and value as present; a null key or a tombstone arrives as undefined. */
function orNull(value: Buffer | undefined): Buffer | null {
  return value ?? null;
}

/** Read through a call: a stream destroyed during an await is not what TS narrowed before it. */
function isDestroyed(stream: ReadStream): boolean {
  return stream.destroyed;
}

/**
 * When each stream last showed it fetches (a fetch answered, or the reader found it holding messages or chose not
 * to read it). Dead means quiet past the lapse at two looks a tick apart: a process that was itself stalled for
 * that long reads its waiting answers between the looks.
 */
class FetchWatch {
  readonly #lastSign = new WeakMap<object, number>();
  #suspect: { readonly stream: object; readonly since: number } | undefined;

  constructor(private readonly lapseMs: number, private readonly confirmMs: number) {}

  alive(stream: object): void {
    this.#lastSign.set(stream, Date.now());
    if (this.#suspect?.stream === stream) this.#suspect = undefined;
  }

  quietMs(stream: object): number {
    return Date.now() - (this.#lastSign.get(stream) ?? Date.now());
  }

  dead(stream: object): boolean {
    if (this.quietMs(stream) < this.lapseMs) return false;
    if (this.#suspect?.stream !== stream) {
      this.#suspect = { stream, since: Date.now() };
      return false;
    }
    return Date.now() - this.#suspect.since >= this.confirmMs;
  }
}
