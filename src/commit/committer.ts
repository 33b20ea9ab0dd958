/**
 * The one place a commit starts: the periodic tick, admission waiting on a full transaction stage, and the
 * drain at shutdown all come here. Between the broker's rebalance notice and the join that follows nothing is
 * committed (a transaction then could commit offsets of a partition that is moving to another member); what
 * the sink made durable goes back to the ledgers (./assignments.ts).
 */
import type { Sink } from '../publish/sink.js';
import type { Assignments } from './assignments.js';

export class Committer {
  #rebalancing = false;

  constructor(private readonly assignments: Assignments, private readonly sink: Pick<Sink, 'commit'>) {}

  /** The coordinator announced a rebalance: commits wait for the join. */
  rebalanceStarted(): void {
    this.#rebalancing = true;
  }

  /** The join came: the partitions still owned commit under the new generation. */
  joined(): void {
    this.#rebalancing = false;
  }

  get rebalancing(): boolean {
    return this.#rebalancing;
  }

  /** Commits what is finished, unless a rebalance is under way; rejects only with an error that must stop the process. */
  async commit(): Promise<void> {
    if (this.#rebalancing) return;
    const points = this.assignments.commitPoints();
    if (points.length === 0) return;
    this.assignments.committed(await this.sink.commit(points));
  }
}
