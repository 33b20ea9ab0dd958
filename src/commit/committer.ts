/**
 * The one place a commit starts: the periodic tick, admission waiting on a full transaction stage, and the
 * drain at shutdown all come here. Between the broker's rebalance notice and the join that follows nothing is
 * committed (a transaction then could commit offsets of a partition that is moving to another member); what
 * the sink made durable goes back to the ledgers (./assignments.ts). Except while partitions are being revoked:
 * the member still owns them then (the adapter holds JoinGroup, or the KIP-848 acknowledgement, until that is
 * done), and committing their finished work is what keeps a graceful rebalance free of duplicates.
 *
 * One commit at a time: calls that come while one runs share a single follow-up commit of the newest points.
 * Unbounded, an outage piled them up (a tick every commitIntervalMs, each retrying on its own), and with the
 * platformatic client each failed commit asked for a rejoin: after a broker restart on Kafka 3.9, 56 joins
 * completed at once and the member was left with no partitions.
 */
import type { Sink } from '../publish/sink.js';
import type { Assignments } from './assignments.js';

export class Committer {
  #rebalancing = false;
  #revoking = 0;
  #running: Promise<void> | undefined;
  #waiting: Promise<void> | undefined;
  #runningSince: number | undefined;
  /** When the last commit that had finished work to commit began. */
  #lastCommitAt = -Infinity;

  constructor(private readonly assignments: Assignments, private readonly sink: Pick<Sink, 'commit'>) {}

  /**
   * When the commit under way began, if one is: a sink retries a refused or failed commit until it succeeds or
   * the outage tolerance ends, so one that runs for long holds everything behind it (the watchdog looks).
   */
  get runningSince(): number | undefined {
    return this.#runningSince;
  }

  /** The coordinator announced a rebalance: commits wait for the join. */
  rebalanceStarted(): void {
    this.#rebalancing = true;
  }

  /**
   * Runs `work` (finishing the revoked partitions' records and committing them) with commits allowed though a
   * rebalance was announced (every adapter announces it before the revocation); afterwards commits wait for the
   * join again, unless it already came.
   */
  async revoking<T>(work: () => Promise<T>): Promise<T> {
    this.#revoking++;
    try {
      return await work();
    } finally {
      this.#revoking--;
    }
  }

  /** The join came: the partitions still owned commit under the new generation. */
  joined(): void {
    this.#rebalancing = false;
  }

  /**
   * Commits what is finished, unless a rebalance is under way; rejects only with an error that must stop the
   * process. While a commit runs, callers share the next one, which starts when it ends and reads the points then.
   */
  commit(): Promise<void> {
    if (this.#waiting !== undefined) return this.#waiting;
    if (this.#running === undefined) return this.#start();
    // The running commit's failure is its own callers' to handle; the follow-up commits on its own.
    const waiting = this.#running.catch(() => undefined).then(() => {
      this.#waiting = undefined;
      return this.#start();
    });
    this.#waiting = waiting;
    return waiting;
  }

  /**
   * The periodic commit: once `intervalMs` has passed since the last commit that had work. A member that had
   * nothing to commit for that long (partitions just assigned, or idle) commits its first finished records at
   * the next tick; under exactly-once they are invisible to read_committed readers until then.
   */
  commitIfDue(intervalMs: number): Promise<void> {
    if (Date.now() - this.#lastCommitAt < intervalMs) return Promise.resolve();
    return this.commit();
  }

  #start(): Promise<void> {
    this.#runningSince = Date.now();
    const run: Promise<void> = this.#commitNow().finally(() => {
      if (this.#running !== run) return;
      this.#running = undefined;
      this.#runningSince = undefined;
    });
    this.#running = run;
    return run;
  }

  async #commitNow(): Promise<void> {
    if (this.#rebalancing && this.#revoking === 0) return;
    const points = this.assignments.commitPoints();
    if (points.length === 0) return;
    this.#lastCommitAt = Date.now();
    this.assignments.committed(await this.sink.commit(points));
  }
}
