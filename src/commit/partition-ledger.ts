/**
 * Which offset of one partition may be committed. Records finish out of order across batches; the commit
 * point is one past the highest offset whose record, and every earlier admitted record, has finished.
 *
 * Kafka redelivers: after a rejoin that keeps the partition, kafkajs fetches again from the committed offset,
 * and it re-runs a batch whose handler threw. Offsets up to the highest admitted one are therefore recognised
 * as seen (in flight or finished) and not admitted twice; admitting them again would leave entries that never
 * finish, and the commit point would stop there for good (the frozen-commit bug of the reliability issue).
 */
export class PartitionLedger {
  /** Admitted offsets in admission (= offset) order, not yet passed by the commit point. */
  private readonly pending: bigint[] = [];
  private head = 0;
  private readonly finished = new Set<bigint>();
  /** Input bytes of admitted records not yet finished, by offset (admission is bounded by their sum). */
  private readonly sizes = new Map<bigint, number>();
  #bytesInFlight = 0;
  private highest: bigint | undefined;
  private next: bigint | undefined;
  private committed: bigint | undefined;

  /** True for an offset this ledger already admitted (or passed): a redelivery to skip. */
  seen(offset: bigint): boolean {
    return this.highest !== undefined && offset <= this.highest;
  }

  /** Admits a new offset; false (and no change) for one already seen. */
  admit(offset: bigint, bytes = 0): boolean {
    if (this.seen(offset)) return false;
    this.highest = offset;
    this.pending.push(offset);
    if (bytes > 0) {
      this.sizes.set(offset, bytes);
      this.#bytesInFlight += bytes;
    }
    return true;
  }

  get bytesInFlight(): number {
    return this.#bytesInFlight;
  }

  finish(offset: bigint): void {
    const bytes = this.sizes.get(offset);
    if (bytes !== undefined) {
      this.sizes.delete(offset);
      this.#bytesInFlight -= bytes;
    }
    this.finished.add(offset);
    while (this.head < this.pending.length) {
      const first = this.pending[this.head];
      if (first === undefined || !this.finished.has(first)) break;
      this.finished.delete(first);
      this.next = first + 1n;
      this.head++;
    }
    // Compact now and then, so the array does not grow with the partition's lifetime.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Offsets held in memory (in flight, or finished and not yet passed): what compaction keeps bounded. */
  get retained(): number {
    return this.pending.length;
  }

  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** One past the last contiguous finished offset (what Kafka commits), or undefined before any finished. */
  get finishedUpTo(): bigint | undefined {
    return this.next;
  }

  /** The offset to commit (next to read), or undefined when nothing new finished since the last commit. */
  commitPoint(): bigint | undefined {
    return this.next !== undefined && this.next !== this.committed ? this.next : undefined;
  }

  markCommitted(offset: bigint): void {
    if (this.committed === undefined || offset > this.committed) this.committed = offset;
  }
}
