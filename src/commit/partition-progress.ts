/**
 * Which offset of one partition may be committed. Records finish out of order across batches; the commit
 * point is one past the highest offset whose record, and every earlier admitted record, has finished.
 */
export class PartitionProgress {
  /** Admitted offsets in admission (= offset) order, not yet passed by the commit point. */
  private readonly pending: bigint[] = [];
  private head = 0;
  private readonly finished = new Set<bigint>();
  private next: bigint | undefined;
  private committed: bigint | undefined;

  admit(offset: bigint): void {
    this.pending.push(offset);
  }

  finish(offset: bigint): void {
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

  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** The offset to commit (next to read), or undefined when nothing new finished since the last commit. */
  commitPoint(): bigint | undefined {
    return this.next !== undefined && this.next !== this.committed ? this.next : undefined;
  }

  markCommitted(offset: bigint): void {
    this.committed = offset;
  }
}
