/**
 * The last line against a stream that stops moving. A partition this member owns is stalled when it has lag
 * (the group's committed offset is behind the end of the partition), has nothing in flight here, the member is
 * not holding intake back, and neither a delivery nor a commit moved it for `stallTimeoutMs`. A stall is counted
 * (relstream_partition_stalls_total), logged with the partition's state and healed: its state is retired and
 * it is read again from the committed offset. A partition that stalls again after a heal makes the member
 * unhealthy (/healthz 503), so the orchestrator restarts it.
 *
 * Whatever the cause (a resume a client library missed, a committed offset moved back under the member, a
 * position lost in a rejoin), the symptom is the same and so is the cure: read again from what is committed.
 *
 * A member that is busy is not idle, but it may be stuck: a commit that has been retrying for stallTimeoutMs
 * while the cluster answers (the coordinator refusing a membership the client lost without noticing) holds
 * every record behind it. That is a stall too, cured by joining the group again.
 */
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Assignments } from './assignments.js';
import type { PartitionState } from './record-task.js';

const watchKey = (state: PartitionState): string => `${state.topic}:${state.partition}`;

export interface PartitionLag {
  readonly partition: number;
  /** The group's committed offset (next to read), or the partition's start where none is committed. */
  readonly committed: bigint;
  readonly high: bigint;
}

export interface ProgressWatchdogDeps {
  readonly stallTimeoutMs: number;
  /** The topics this member consumes: watched as a whole when it owns none of their partitions. */
  readonly topics: readonly string[];
  readonly assignments: Assignments;
  /** The committed offsets and ends of a topic's partitions (the probe's admin client). */
  readonly readLag: (topic: string) => Promise<readonly PartitionLag[]>;
  /** Intake is holding back (the batcher or the transaction stage is full): the member is busy, not stalled. */
  readonly holdingBack: () => boolean;
  /** Retires the partition's state and reads it again from `committed`. */
  readonly heal: (state: PartitionState, committed: bigint) => Promise<void>;
  /** Joins the group again: for a member that owns nothing while its topic has lag and nothing moves. */
  readonly rejoin: () => void;
  /** When the commit under way began, if one is (../commit/committer.ts). */
  readonly commitRunningSince?: () => number | undefined;
  readonly metrics: Pick<Metrics, 'partitionStalls'>;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Watch {
  /** The state watched: a heal replaces it under the same generation and the watch goes on. */
  state: PartitionState;
  /** When the partition last moved: a delivery, a commit, or the start of this watch. */
  movedAt: number;
  committed: bigint | undefined;
  deliveries: number;
  /** Stalls since the partition last moved on its own. */
  stalls: number;
}

export class ProgressWatchdog {
  readonly #deps: ProgressWatchdogDeps;
  readonly #now: () => number;
  /** By topic and partition, over this member's ownership of it (a new generation starts a new watch). */
  readonly #watches = new Map<string, Watch>();
  /** Per topic this member owns nothing of: when its committed offsets last moved, and rejoins since. */
  readonly #unowned = new Map<string, { committed: string; movedAt: number; stalls: number }>();
  #unhealthy: string | undefined;
  /** The commit under way, by when it began, and the stalls counted against it. */
  #commit: { since: number; lookedAt: number; stalls: number } | undefined;

  constructor(deps: ProgressWatchdogDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** False once a partition stalled again after being healed: the process should be restarted. */
  get healthy(): boolean {
    return this.#unhealthy === undefined;
  }

  /** Why the member is unhealthy, for /healthz. */
  get reason(): string | undefined {
    return this.#unhealthy;
  }

  /** One look at every owned partition; called every quarter of stallTimeoutMs. Never throws. */
  async check(): Promise<void> {
    const { assignments, logger } = this.#deps;
    const now = this.#now();
    const states = assignments.states();
    const owned = new Set(states.map(watchKey));
    for (const k of [...this.#watches.keys()]) if (!owned.has(k)) this.#watches.delete(k);
    const byTopic = new Map<string, PartitionState[]>();
    for (const state of states) byTopic.set(state.topic, [...(byTopic.get(state.topic) ?? []), state]);
    for (const topic of this.#deps.topics) {
      if (byTopic.has(topic)) this.#unowned.delete(topic);
      else await this.#lookUnowned(topic, now);
    }
    let answered = false;
    for (const [topic, owned] of byTopic) {
      let lags: readonly PartitionLag[];
      try {
        lags = await this.#deps.readLag(topic);
      } catch (error) {
        // The cluster is unreachable: the outage path (../kafka/connectivity.ts) owns that case.
        logger.debug('watchdog: could not read lag', { topic, error: String(error) });
        continue;
      }
      answered = true;
      for (const state of owned) {
        const lag = lags.find((l) => l.partition === state.partition);
        if (lag === undefined || state.retired) continue;
        await this.#look(state, lag, now);
      }
    }
    this.#lookCommit(now, answered);
  }

  /** A commit retrying for stallTimeoutMs while the cluster answers: join again; a second time, unhealthy. */
  #lookCommit(now: number, clusterAnswered: boolean): void {
    const since = this.#deps.commitRunningSince?.();
    if (since === undefined) {
      this.#commit = undefined;
      return;
    }
    if (this.#commit?.since !== since) this.#commit = { since, lookedAt: since, stalls: 0 };
    const watch = this.#commit;
    // An outage is the connectivity path's (it stops the process past kafkaOutageToleranceMs).
    if (!clusterAnswered) watch.lookedAt = now;
    if (now - watch.lookedAt < this.#deps.stallTimeoutMs) return;
    watch.stalls++;
    watch.lookedAt = now;
    this.#deps.metrics.partitionStalls.inc();
    const detail = { runningMs: now - since, stallsInARow: watch.stalls, partitions: this.#deps.assignments.states().map(watchKey) };
    if (watch.stalls > 1) {
      this.#unhealthy = `a commit has been retrying for ${Math.round((now - since) / 1000)} s while the cluster answers, also after joining the group again`;
      this.#deps.logger.error('a commit is still retrying after the member joined the group again; /healthz fails so the process is restarted', detail);
    } else {
      this.#deps.logger.warn('a commit has been retrying for stallTimeoutMs while the cluster answers; joining the group again', detail);
    }
    this.#deps.rejoin();
  }

  /**
   * A member that owns no partition of a topic with lag, while no committed offset of that topic moved for
   * stallTimeoutMs: the group left the partitions to nobody (after a broker restart on Kafka 3.9, an assignment
   * computed before the topic's metadata was back gave this, the only member, nothing). Other members at work
   * would move the offsets, so this rejoins only a group that is stuck as a whole; twice in a row is unhealthy.
   */
  async #lookUnowned(topic: string, now: number): Promise<void> {
    let lags: readonly PartitionLag[];
    try {
      lags = await this.#deps.readLag(topic);
    } catch {
      return;
    }
    const committed = lags.map((l) => `${l.partition}@${l.committed}`).join(',');
    const behind = lags.reduce((n, l) => n + (l.high > l.committed ? l.high - l.committed : 0n), 0n);
    const watch = this.#unowned.get(topic);
    if (watch === undefined || watch.committed !== committed || behind === 0n || this.#deps.holdingBack()) {
      this.#unowned.set(topic, { committed, movedAt: now, stalls: watch !== undefined && watch.committed === committed ? watch.stalls : 0 });
      return;
    }
    if (now - watch.movedAt < this.#deps.stallTimeoutMs) return;
    watch.stalls++;
    watch.movedAt = now;
    this.#deps.metrics.partitionStalls.inc();
    const detail = { topic, lag: String(behind), committed, idleMs: this.#deps.stallTimeoutMs, stallsInARow: watch.stalls };
    if (watch.stalls > 1) {
      this.#unhealthy = `no partition of ${topic} assigned to this member while it has lag ${behind} and nothing moves, after joining the group again`;
      this.#deps.logger.error('still no partition while the topic has lag and nothing moves; /healthz fails so the process is restarted', detail);
    } else {
      this.#deps.logger.warn('no partition assigned while the topic has lag and no committed offset moves; joining the group again', detail);
    }
    this.#deps.rejoin();
  }

  async #look(state: PartitionState, lag: PartitionLag, now: number): Promise<void> {
    const deliveries = this.#deps.assignments.deliveries(state);
    let watch = this.#watches.get(watchKey(state));
    if (watch !== undefined && watch.state !== state) {
      // A heal renews the state under the same generation: the watch goes on, counting its stalls in a row.
      if (watch.state.generation !== state.generation) watch = undefined;
      else {
        watch.state = state;
        watch.deliveries = deliveries;
      }
    }
    if (watch === undefined) {
      watch = { state, movedAt: now, committed: lag.committed, deliveries, stalls: 0 };
      this.#watches.set(watchKey(state), watch);
      return;
    }
    const moved = deliveries !== watch.deliveries || lag.committed !== watch.committed;
    watch.deliveries = deliveries;
    watch.committed = lag.committed;
    const behind = lag.high - lag.committed;
    const busy = state.ledger.inFlight > 0 || this.#deps.holdingBack();
    if (moved || behind <= 0n || busy) {
      watch.movedAt = now;
      if (moved) watch.stalls = 0;
      return;
    }
    if (now - watch.movedAt < this.#deps.stallTimeoutMs) return;
    watch.stalls++;
    watch.movedAt = now;
    const where = `${state.topic}:${state.partition}`;
    this.#deps.metrics.partitionStalls.inc();
    const detail = {
      partition: where, committed: String(lag.committed), high: String(lag.high), lag: String(behind), idleMs: this.#deps.stallTimeoutMs,
      deliveries, finishedUpTo: String(state.ledger.finishedUpTo ?? 'none'), generation: state.generation?.generationId, stallsInARow: watch.stalls,
    };
    if (watch.stalls > 1) {
      this.#unhealthy = `${where} stalled again after it was read again from its committed offset ${lag.committed}`;
      this.#deps.logger.error('partition stalled again after healing; /healthz fails so the process is restarted', detail);
    } else {
      this.#deps.logger.warn('partition stalled: lag, nothing in flight, no delivery or commit; reading it again from its committed offset', detail);
    }
    try {
      await this.#deps.heal(state, lag.committed);
    } catch (error) {
      this.#deps.logger.warn('watchdog: healing failed', { partition: where, error: String(error) });
    }
  }
}
