/**
 * The stream processor: consume trial records, admit each once per ownership of its partition, turn it into
 * pair jobs (or a dead letter), micro-batch the jobs through inference, and let the sink publish and commit.
 * Every part is built before it (../cli/build-service.ts) and passed in.
 */
import { sleep } from '../sleep.js';

import type { MicroBatcher } from '../batching/micro-batcher.js';
import type { Acknowledged, Assignments } from '../commit/assignments.js';
import type { Committer } from '../commit/committer.js';
import type { PartitionState, RecordTask } from '../commit/record-task.js';
import type { Config } from '../config/schema.js';
import { describeError, isRelstreamError, type RelstreamError } from '../errors.js';
import type { KafkaConnectivity } from '../kafka/connectivity.js';
import type { BatchContext, GroupAssignment, IncomingBatch, IncomingMessage, KafkaConsumer, TopicPartitions } from '../kafka/types.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordTrace, Tracing } from '../observability/tracing.js';
import type { Sink } from '../publish/sink.js';
import type { WriterSchemas } from '../registry/registry-codecs.js';
import type { BatchRunner } from './batch-runner.js';
import type { IntakeService } from './intake-service.js';
import { pairJob, type PairJob } from './pair-job.js';
import type { RecordOutcome } from './record-intake.js';

/** A record admitted for intake: the message, its offset and, traced, its spans. */
interface Admitted {
  readonly message: IncomingMessage;
  readonly offset: bigint;
  readonly trace?: RecordTrace;
}

const ROOM_POLL_MS = 5;
/** Records sent to intake together: large enough that a chunk's round trip to a worker is small against its work. */
const INTAKE_CHUNK_RECORDS = 64;

/** The intake service failed (./intake-service.ts): a worker died, or intake stopped with the process. */
const isIntakeFailure = (error: unknown): boolean => isRelstreamError(error) && (error.code === 'RELSTREAM_INTAKE_WORKER' || error.code === 'RELSTREAM_SHUTDOWN');
/** How often the commit interval is looked at: the most a due commit waits. */
const COMMIT_TICK_MS = 100;
const SCHEMA_RETRY_FIRST_MS = 250;
const SCHEMA_RETRY_MAX_MS = 5000;

export interface ProcessorDeps {
  readonly config: Pick<Config, 'inputTopic' | 'fromBeginning' | 'commitIntervalMs' | 'heartbeatIntervalMs' | 'shutdownTimeoutMs' | 'inFlightMaxBytes' | 'revokeTimeoutMs'>;
  readonly consumer: KafkaConsumer;
  /** Where intake runs (worker threads, or this thread). */
  readonly intake: IntakeService;
  /** Writer schemas of framed input, loaded before a record's intake (plain Avro: none). */
  readonly schemas: WriterSchemas;
  readonly batcher: MicroBatcher<PairJob>;
  readonly runner: BatchRunner;
  readonly sink: Sink;
  readonly assignments: Assignments;
  readonly committer: Committer;
  readonly connectivity: KafkaConnectivity;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Spans per record, with tracing on. */
  readonly tracing?: Tracing;
  /** Aborted once the drain is over, so Kafka retries stop waiting for a broker. */
  readonly retries: AbortController;
  /** A fatal error (inference failed, Kafka unreachable past the tolerance, fenced): the owner stops the process. */
  readonly onFatal: (error: unknown) => void;
}

export interface Processor {
  start(): Promise<void>;
  /** Stops fetching, finishes or abandons in-flight work within shutdownTimeoutMs, commits, leaves the group. */
  stop(): Promise<void>;
  /** In the consumer group with an assignment, and the cluster reachable. */
  isReady(): boolean;
  /** Intake is holding back (the batcher or the transaction stage is full). */
  holdingBack(): boolean;
  /** The watchdog's cure for a member left without partitions while its topic has lag: join again. */
  rejoin(): void;
  /** The watchdog's cure for a stalled partition: a fresh state, read again from the committed offset. */
  heal(state: PartitionState, committed: bigint): Promise<void>;
}

export function createProcessor(deps: ProcessorDeps): Processor {
  const { config, consumer, intake, schemas, batcher, runner, sink, assignments, committer, connectivity, metrics, logger, tracing } = deps;
  let joined = false;
  let stopping = false;
  let paused = false;
  /**
   * Every partition paused since the last resume. The client keeps a partition paused across rebalances, so
   * resuming only the current assignment would leave one that was paused, moved away and handed back paused
   * for good: the stream would stall on it.
   */
  const pausedPartitions = new Map<string, Set<number>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped: Promise<void> | undefined;
  /** Settles once a stop has committed what it finished: a revocation that comes meanwhile waits for it. */
  let stopCommitted: Promise<void> | undefined;

  function retire(states: readonly PartitionState[]): void {
    if (states.length === 0) return;
    const dropped = batcher.discard((job) => !job.task.partition.retired);
    sink.forget(states);
    for (const s of states) metrics.consumerLag.remove({ topic: s.topic, partition: String(s.partition) });
    logger.info('partitions retired; their unfinished work is abandoned and will be redelivered', { partitions: states.map((s) => `${s.topic}:${s.partition}`), droppedPairs: dropped.length });
  }

  function onGroupJoin(assignment: GroupAssignment): void {
    retire(assignments.join(assignment));
    // A rejoin may hand over partitions while intake is full: they start paused like the others.
    if (paused) pause(assignments.partitionsByTopic);
    joined = true;
    committer.joined();
    connectivity.ok();
    const partitions = assignment.partitions.flatMap((p) => p.partitions.map((n) => `${p.topic}:${n}`));
    logger.info('joined the consumer group', { memberId: assignment.memberId, partitions });
  }

  function onCrash(error: RelstreamError, restarting: boolean): void {
    if (!restarting) {
      logger.error('consumer crashed', { error: describeError(error) });
      deps.onFatal(error);
      return;
    }
    // The client left the group and will rejoin from the committed offsets: nothing it owned may be committed.
    joined = false;
    if (error.retriable) connectivity.failed(error);
    logger.warn('consumer lost the cluster; rejoining', { error: describeError(error) });
    retire(assignments.retireAll());
  }

  function pause(topics: readonly { topic: string; partitions: number[] }[]): void {
    for (const { topic, partitions } of topics) {
      const set = pausedPartitions.get(topic) ?? new Set<number>();
      for (const p of partitions) set.add(p);
      pausedPartitions.set(topic, set);
    }
    consumer.pause(topics);
  }

  function setPaused(value: boolean): void {
    if (paused === value) return;
    paused = value;
    if (value) {
      pause(assignments.partitionsByTopic);
    } else {
      consumer.resume([...pausedPartitions].map(([topic, set]) => ({ topic, partitions: [...set] })));
      pausedPartitions.clear();
    }
    metrics.consumerPaused.set(value ? 1 : 0);
  }

  // Read through a call after an await: TS keeps the narrowing from before it.
  const isStopping = (): boolean => stopping;
  /** Admission of this partition's records is over: it was retired, or is being revoked. */
  const isRetired = (state: PartitionState): boolean => state.retired || state.revoking;
  /**
   * Input bytes in flight bound what records hold (texts, indexes, events), whatever their pair count. With
   * nothing in flight there is always room, so a record larger than the bound is admitted alone.
   */
  const recordsHaveRoom = (): boolean => assignments.bytesInFlight < config.inFlightMaxBytes;
  const hasRoom = (): boolean => batcher.hasRoom() && sink.hasRoom() && recordsHaveRoom();
  /**
   * Fetching resumes once the pair queue has drained to its low-water mark, not at its first free slot:
   * resumed there, intake that outruns inference filled it again within a batch, and the consumer paused and
   * resumed once per batch (2,684 times in a 20,000-record ceiling run), each time a new fetch.
   */
  const canResume = (): boolean => batcher.atLowWater() && sink.hasRoom() && recordsHaveRoom();

  function resumeIfDrained(): void {
    if (paused && !stopping && canResume()) setPaused(false);
  }

  function pauseIntake(): void {
    if (paused) return;
    setPaused(true);
    // The queue draining is the usual way out; a full sink or bytes in flight are looked at by the tick.
    void batcher.whenLowWater().then(resumeIfDrained);
  }

  async function admitWhenRoom(context: BatchContext): Promise<boolean> {
    if (hasRoom()) {
      resumeIfDrained();
      return true;
    }
    pauseIntake();
    while (!hasRoom()) {
      // Wait on whichever is full: racing an already-resolved promise would spin without yielding to I/O.
      // Records finishing free bytes in flight without a signal of their own: the short sleep covers them.
      // A full transaction stage empties only by a commit: ask for one now rather than at the next tick.
      if (!sink.hasRoom()) commitTick();
      const full = !batcher.hasRoom() ? batcher.whenRoom() : !sink.hasRoom() ? sink.whenRoom() : sleep(ROOM_POLL_MS);
      await Promise.race([full, sleep(config.heartbeatIntervalMs)]);
      if (!context.isActive() || stopping) return false;
      await context.heartbeat();
    }
    resumeIfDrained();
    return true;
  }

  /**
   * Waits until the writer schema `id` is loaded: a registry that is down or does not know the id yet holds the
   * record back (never a dead letter for a good record), heartbeating, until it answers or the partition moves.
   */
  async function loadSchema(id: number, context: BatchContext): Promise<boolean> {
    for (let delay = SCHEMA_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, SCHEMA_RETRY_MAX_MS)) {
      // The group heartbeat is owed at least every heartbeatIntervalMs, so no wait is longer.
      const wait = Math.min(delay, config.heartbeatIntervalMs);
      try {
        await schemas.load(id);
        return true;
      } catch (error) {
        const code = isRelstreamError(error) ? error.code : 'unknown';
        metrics.schemaRegistryErrors.inc({ code });
        logger.warn('waiting for an input record\'s writer schema; retrying', { schemaId: id, retryInMs: wait, error: describeError(error) });
      }
      await sleep(wait);
      if (!context.isActive() || stopping) return false;
      await context.heartbeat();
    }
  }

  /**
   * Counts what intake counted, and turns its outcome into a record task and pair jobs (or a dead letter). A
   * record with pairs is routed at once (no promise, no turn of the microtask queue per record); what goes to the
   * sink instead returns the promise of its finishing.
   */
  function route(admitted: Admitted, outcome: RecordOutcome, state: PartitionState): Promise<void> | undefined {
    const { message, offset, trace } = admitted;
    if (outcome.kind === 'dead-letter') {
      if (outcome.reason === 'internal_error') metrics.internalErrors.inc({ stage: 'intake' });
      return finishWith(sink.deadLetter({ state, offset, source: message, reason: outcome.reason, detail: outcome.message, ...(trace === undefined ? {} : { trace }) }));
    }
    if (outcome.languageFallback) metrics.languageFallbacks.inc();
    if (outcome.truncated > 0) metrics.pairsSkipped.inc({ reason: 'truncated' }, outcome.truncated);
    if (outcome.typesNotAllowed > 0) metrics.pairsSkipped.inc({ reason: 'types_not_allowed' }, outcome.typesNotAllowed);
    metrics.pairsFormed.inc(outcome.pairs.length);
    const task: RecordTask = {
      partition: state, offset, message, recordId: outcome.recordId, parts: outcome.parts, pairsPending: outcome.pairs.length, events: [], relations: [],
      ...(trace === undefined ? {} : { trace }),
    };
    if (outcome.pairs.length === 0) return finishWith(sink.deliver([task]));
    // The intake pair is the encoded pair (ids and span): no copy of it per pair.
    for (const pair of outcome.pairs) batcher.submit(pairJob(task, pair));
    return undefined;
  }

  async function finishWith(acknowledged: Promise<readonly Acknowledged[]>): Promise<void> {
    assignments.finish(await acknowledged);
  }

  /**
   * Routes a chunk's outcomes in offset order, unless its partition was retired meanwhile (then they are dropped).
   * Admitted records hold the commit point until they finish, so nothing short of retirement may drop them: one
   * being revoked keeps routing, as the revocation waits for them, and the partition may stay.
   */
  async function routeChunk(chunk: readonly Admitted[], outcomes: Promise<RecordOutcome[]>, state: PartitionState): Promise<void> {
    const results = await outcomes;
    for (const [i, admitted] of chunk.entries()) {
      const outcome = results[i];
      if (outcome === undefined || state.retired) return;
      const finishing = route(admitted, outcome, state);
      if (finishing !== undefined) await finishing;
    }
    metrics.queuedPairs.set(batcher.queuedPairs);
    metrics.queuedTokens.set(batcher.queuedTokens);
  }

  async function eachBatch(batch: IncomingBatch, context: BatchContext): Promise<void> {
    // A batch read before a rebalance took its partition away: no state for it, or the member would seem to own it.
    if (stopping || !context.isActive()) return;
    const state = assignments.state(batch.topic, batch.partition);
    assignments.delivered(state);
    // Admitted records go to intake a chunk at a time; while one chunk is in intake the next is admitted, and the
    // one before is routed: intake (off the main thread) overlaps admission and routing.
    let chunk: Admitted[] = [];
    let previous: Promise<void> = Promise.resolve();
    const send = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const sent = chunk;
      chunk = [];
      const outcomes = intake.take(sent.map((a) => a.message));
      const routedBefore = previous;
      const routing = (async () => {
        await routedBefore;
        await routeChunk(sent, outcomes, state);
      })();
      // Handled here, awaited below or by the next chunk: a failure must reach the catch, not end the process.
      outcomes.catch(() => undefined);
      routing.catch(() => undefined);
      previous = routing;
      // Keep one chunk routing at most: what intake returns waits for the one before it.
      await routedBefore;
    };
    // Whatever ends the loop (the client's heartbeat failing in a rebalance, say), what was admitted still goes to
    // intake and is routed: admitted records hold the commit point until they finish, and a kept partition's
    // redeliveries of them are skipped as seen.
    let ended: unknown;
    try {
      for (const message of batch.messages) {
        if (isStopping() || !context.isActive() || isRetired(state)) break;
        const offset = BigInt(message.offset);
        if (assignments.seen(state, offset)) {
          metrics.recordsRedelivered.inc();
          continue;
        }
        if (hasRoom()) resumeIfDrained();
        else {
          // Records admitted into the chunk hold bytes in flight that only their intake frees: waiting for room
          // with them unsent would wait for good once they alone fill inFlightMaxBytes. They go now, before the wait.
          await send();
          // Waiting for room may span a rebalance that retired the partition.
          if (!(await admitWhenRoom(context)) || isRetired(state)) break;
        }
        const schemaId = schemas.missing(message.value);
        if (schemaId !== undefined && (!(await loadSchema(schemaId, context)) || isRetired(state))) break;
        assignments.admit(state, offset, message.value?.length ?? 0);
        metrics.recordsConsumed.inc();
        const trace = tracing?.record(message);
        chunk.push(trace === undefined ? { message, offset } : { message, offset, trace });
        if (chunk.length >= INTAKE_CHUNK_RECORDS) await send();
      }
    } catch (error) {
      ended = error;
    }
    try {
      await send();
      await previous;
    } catch (error) {
      ended ??= error;
    }
    if (ended !== undefined) {
      if (!isIntakeFailure(ended)) throw ended instanceof Error ? ended : new Error(describeError(ended));
      if (isStopping()) return;
      // Intake itself failed (a worker died), not one record: stop, so what it held is redelivered.
      logger.error('intake failed; stopping so the records are redelivered', { error: describeError(ended) });
      deps.onFatal(ended);
      return;
    }
    const last = batch.messages.at(-1);
    if (last) metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n)));
  }

  /** `periodic`: the tick's commit, which the committer makes only once the commit interval is due. */
  async function commit(periodic = false): Promise<void> {
    metrics.recordsInFlight.set(assignments.recordsInFlight);
    // The handler that paused may have been cut short by a rebalance; with every partition paused no batch
    // would come to resume them, so the tick does.
    resumeIfDrained();
    await (periodic ? committer.commitIfDue(config.commitIntervalMs) : committer.commit());
  }

  function commitTick(periodic = false): void {
    commit(periodic).catch((error: unknown) => {
      // Once stopping, retries end on purpose (the drain's bound): what was not committed is redelivered to the
      // next owner, which is the stop's contract, not a failure to report (a SIGTERM still exits 0).
      if (stopping) {
        logger.warn('a commit under way when the stop began did not finish; its records will be redelivered', { error: describeError(error) });
        return;
      }
      logger.error('committing failed for good; stopping so the records are redelivered', { error: describeError(error) });
      deps.onFatal(error);
    });
  }

  /**
   * Commit on revoke: partitions about to be given up admit nothing more, their records in flight get up to
   * revokeTimeoutMs to finish (a full transaction stage is committed meanwhile to make room), and what finished
   * commits under the generation that still owns them, within as long again. What is still unfinished then is
   * abandoned to the next owner, which reads it again: the only duplicates a graceful rebalance can leave.
   */
  async function revoking(partitions: readonly TopicPartitions[]): Promise<void> {
    const states = assignments.revoking(partitions);
    if (states.length === 0) return;
    // A stop drains and commits everything already; the partitions go once it has, or once a revocation's bound
    // is over (the member sends no heartbeat meanwhile).
    const untilStopCommitted = (): Promise<unknown> => Promise.race([stopCommitted, sleep(2 * config.revokeTimeoutMs)]);
    if (stopping) {
      await untilStopCommitted();
      return;
    }
    const started = Date.now();
    const unfinished = (): number => states.reduce((n, s) => n + (s.retired ? 0 : s.ledger.inFlight), 0);
    const atStart = { records: unfinished(), queuedPairs: batcher.queuedPairs, queueCapacity: batcher.capacity };
    await committer.revoking(async () => {
      const deadline = started + config.revokeTimeoutMs;
      while (unfinished() > 0 && Date.now() < deadline && !stopping) {
        if (!sink.hasRoom()) commitTick();
        await sleep(ROOM_POLL_MS);
      }
      const finishedMs = Date.now() - started;
      // A stop that began meanwhile finishes and commits these records itself.
      if (isStopping()) {
        await untilStopCommitted();
        return;
      }
      const committed = commit().then(() => true, (error: unknown) => {
        logger.warn('committing before a revocation failed; the next owner reads the uncommitted records again', { error: describeError(error) });
        return false;
      });
      const inTime = await Promise.race([committed, sleep(config.revokeTimeoutMs).then(() => false)]);
      const left = unfinished();
      metrics.revocations.inc({ outcome: left === 0 && inTime ? 'committed' : 'partial' });
      logger.info('partitions revoked: finished work committed first', {
        partitions: states.map((s) => `${s.topic}:${s.partition}`), ms: Date.now() - started, finishedMs, atStart, abandonedRecords: left, committedInTime: inTime,
      });
    });
  }

  function watchConnectivity(): void {
    const fatal = connectivity.exceeded();
    if (fatal) deps.onFatal(fatal);
  }

  async function stopNow(): Promise<void> {
    stopping = true;
    let committedNow = (): void => undefined;
    stopCommitted = new Promise((resolve) => { committedNow = resolve; });
    const deadline = Date.now() + config.shutdownTimeoutMs;
    const step = async (name: string, work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        logger.warn(`shutdown: ${name} failed`, { error: describeError(error) });
      }
    };
    for (const timer of timers) clearInterval(timer);
    await step('pause fetching', () => { setPaused(true); return Promise.resolve(); });
    const drained = async (): Promise<void> => {
      await batcher.whenIdle();
      await runner.flush();
    };
    await step('finish in-flight batches', () => Promise.race([drained(), sleep(Math.max(0, deadline - Date.now() - 2000))]));
    if (batcher.queuedPairs > 0 || batcher.batchesInFlight > 0) {
      logger.warn('shutdown: abandoning unfinished work; it will be redelivered', { queuedPairs: batcher.queuedPairs, batchesInFlight: batcher.batchesInFlight });
    }
    batcher.close();
    // The member owns its partitions until it leaves, even in the middle of a rebalance: the leave is a revocation.
    await step('commit', () => Promise.race([committer.revoking(() => committer.commit()), sleep(Math.max(0, deadline - Date.now()))]));
    committedNow();
    deps.retries.abort();
    await step('leave the consumer group', () => consumer.disconnect());
    await step('flush and close the producer', () => sink.close());
    logger.info('processor stopped');
  }

  return {
    async start() {
      await consumer.run({
        topics: [config.inputTopic], fromBeginning: config.fromBeginning, eachBatch, onGroupJoin, onCrash,
        onRebalancing: () => { committer.rebalanceStarted(); },
        onRevoking: revoking,
        onFetch: () => { connectivity.ok(); },
      });
      // The tick is finer than the interval: finished work of a member that had nothing to commit for an interval
      // (new partitions after a rebalance) commits at once, not up to an interval later (the output's gap).
      timers.push(setInterval(() => { commitTick(true); }, Math.min(config.commitIntervalMs, COMMIT_TICK_MS)), setInterval(watchConnectivity, 1000));
    },
    stop: () => (stopped ??= stopNow()),
    isReady: () => joined && !stopping && connectivity.reachable,
    holdingBack: () => paused,
    rejoin() {
      if (!stopping) consumer.rejoinGroup();
    },
    heal(state, committed) {
      const retired = assignments.renew(state);
      if (retired === undefined || stopping) return Promise.resolve();
      retire([retired]);
      consumer.seekToCommitted({ topic: state.topic, partition: state.partition, offset: committed.toString() });
      return Promise.resolve();
    },
  };
}
