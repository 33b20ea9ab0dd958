/**
 * One micro-batcher shared by all assigned partitions. A batch closes at `maxPairs`, at `maxTokens` padded
 * tokens (pairs x longest), or when its oldest pair has waited `maxWaitMs`; pairs of similar length go
 * together to keep padding low. At most `concurrency` batches run at once. Admission is bounded in pairs and
 * in tokens (`capacityPairs`, `capacityTokens`): callers wait on `whenRoom()` (and pause their partitions)
 * when either is reached. An empty queue always has room, so a record larger than the queue still passes, alone.
 * With `capacityMs`, the queue also holds no more than that many milliseconds of work at the rate its batches are
 * measured to run (never less than two full batches per slot, and that until a batch has run): a queue sized in
 * pairs alone holds seconds of work on a slow or busy machine, and a rebalance that must finish it before its
 * partitions move ran out of time.
 * Callers that paused resume at the low-water mark (`atLowWater()`, half of both): resumed at the first free
 * slot, a consumer whose intake outruns inference paused again one batch later, a pause and a resume per batch.
 *
 * The queue is kept twice: in arrival order (the oldest pair opens each batch) and in buckets by length, walked
 * outward from the oldest pair's length. Taking a batch costs in proportion to the pairs it takes and the
 * distinct lengths queued, not to the queue: a deep backlog does not slow the main thread per pair.
 */
/** Weight of each batch in the moving average of the rate: about the last ten batches count. */
const RATE_WEIGHT = 0.2;

export interface BatchItem {
  /** Sequence length of the pair in tokens. */
  readonly length: number;
}

export interface MicroBatcherOptions<T extends BatchItem> {
  readonly maxPairs: number;
  readonly maxTokens: number;
  readonly maxWaitMs: number;
  readonly concurrency: number;
  readonly capacityPairs: number;
  readonly capacityTokens: number;
  /** The most work the queue holds, in milliseconds at the measured rate; none: pairs and tokens only. */
  readonly capacityMs?: number;
  /** Runs one batch; a rejection is the runner's to report, the batcher only frees the slot. */
  readonly run: (items: T[], queuedAtMs: readonly number[]) => Promise<void>;
  readonly now?: () => number;
}

interface Queued<T> {
  readonly item: T;
  readonly at: number;
  taken: boolean;
}

/** The queued pairs of one length, oldest first; `head` skips the ones taken. */
interface Bucket<T> {
  entries: Queued<T>[];
  head: number;
}

export class MicroBatcher<T extends BatchItem> {
  /** Arrival order; taken entries stay until the head passes them (compacted when half is dead). */
  private queue: Queued<T>[] = [];
  private queueHead = 0;
  private count = 0;
  private readonly buckets = new Map<number, Bucket<T>>();
  /** The distinct lengths queued, ascending. */
  private lengths: number[] = [];
  private inFlight = 0;
  private tokens = 0;
  private timer: NodeJS.Timeout | undefined;
  private roomWaiters: (() => void)[] = [];
  private lowWaterWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  /** Pairs per batch now: options.maxPairs, or less when a BatchSizeController asks (setMaxPairs). */
  private maxPairs: number;
  /** Pairs per batch and milliseconds per batch, moving averages (observeRate). */
  private batchPairs: number | undefined;
  private batchMs: number | undefined;

  constructor(private readonly options: MicroBatcherOptions<T>) {
    this.now = options.now ?? (() => performance.now());
    this.maxPairs = options.maxPairs;
  }

  /** Batches from now on close at `pairs` (1..options.maxPairs). */
  setMaxPairs(pairs: number): void {
    this.maxPairs = Math.max(1, Math.min(this.options.maxPairs, Math.floor(pairs)));
  }

  get queuedPairs(): number { return this.count; }
  get queuedTokens(): number { return this.tokens; }
  get batchesInFlight(): number { return this.inFlight; }
  /** Pairs the queue may hold now: capacityPairs, or fewer where capacityMs of work at the measured rate is less. */
  get capacity(): number {
    const { capacityMs, capacityPairs, maxPairs, concurrency } = this.options;
    if (capacityMs === undefined) return capacityPairs;
    const floor = Math.min(capacityPairs, 2 * maxPairs * concurrency);
    // Before the first batch the rate is unknown: two batches per slot, not a queue a slow model takes minutes on.
    const rate = this.pairsPerSecond;
    if (rate === undefined) return floor;
    return Math.min(capacityPairs, Math.max(floor, Math.floor((rate * capacityMs) / 1000)));
  }

  hasRoom(): boolean {
    return this.count === 0 || (this.count < this.capacity && this.tokens < this.options.capacityTokens);
  }

  /** Resolves once the queue is below capacity. */
  whenRoom(): Promise<void> {
    return this.hasRoom() ? Promise.resolve() : new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** The queue has drained to half its capacity, in pairs and in tokens. */
  atLowWater(): boolean {
    return this.count <= this.capacity / 2 && this.tokens <= this.options.capacityTokens / 2;
  }

  /** Resolves once the queue is at its low-water mark. */
  whenLowWater(): Promise<void> {
    return this.atLowWater() ? Promise.resolve() : new Promise((resolve) => this.lowWaterWaiters.push(resolve));
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    return this.count === 0 && this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  submit(item: T): void {
    this.enqueue({ item, at: this.now(), taken: false });
    this.pump();
  }

  /** Removes queued items the predicate rejects (their partition was revoked); running batches finish. */
  discard(keep: (item: T) => boolean): T[] {
    const live = this.live();
    const dropped = live.filter((q) => !keep(q.item)).map((q) => q.item);
    this.queue = [];
    this.queueHead = 0;
    this.count = 0;
    this.tokens = 0;
    this.buckets.clear();
    this.lengths = [];
    for (const q of live) if (keep(q.item)) this.enqueue(q);
    this.wakeWaiters();
    return dropped;
  }

  private live(): Queued<T>[] {
    return this.queue.slice(this.queueHead).filter((q) => !q.taken);
  }

  private enqueue(q: Queued<T>): void {
    this.queue.push(q);
    this.count++;
    this.tokens += q.item.length;
    const length = q.item.length;
    let bucket = this.buckets.get(length);
    if (!bucket) {
      bucket = { entries: [], head: 0 };
      this.buckets.set(length, bucket);
      this.lengths.splice(lowerBound(this.lengths, length), 0, length);
    }
    bucket.entries.push(q);
  }

  /** The oldest entry not yet taken. */
  private oldest(): Queued<T> | undefined {
    while (this.queueHead < this.queue.length && this.queue[this.queueHead]?.taken === true) this.queueHead++;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return this.queue[this.queueHead];
  }

  private take(q: Queued<T>): void {
    q.taken = true;
    this.count--;
    this.tokens -= q.item.length;
    const length = q.item.length;
    const bucket = this.buckets.get(length);
    if (!bucket) return;
    while (bucket.head < bucket.entries.length && bucket.entries[bucket.head]?.taken === true) bucket.head++;
    if (bucket.head >= bucket.entries.length) {
      this.buckets.delete(length);
      this.lengths.splice(lowerBound(this.lengths, length), 1);
    } else if (bucket.head > 1024 && bucket.head * 2 > bucket.entries.length) {
      // A length that never empties in a steady stream must not keep every pair it ever held.
      bucket.entries = bucket.entries.slice(bucket.head);
      bucket.head = 0;
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.count > 0) {
      const oldest = this.oldest();
      if (!oldest) break;
      const waited = this.now() - oldest.at;
      if (this.count < this.maxPairs && !this.tokensFull() && waited < this.options.maxWaitMs) {
        this.schedule(this.options.maxWaitMs - waited);
        return;
      }
      this.dispatch(this.takeBatch());
    }
  }

  private tokensFull(): boolean {
    return (this.lengths.at(-1) ?? 0) * this.count >= this.options.maxTokens;
  }

  /**
   * The oldest pair and the queued pairs closest to it in length (ties: the older first), within maxPairs and
   * maxTokens. Lengths are visited outward from the oldest pair's; at equal distance the two buckets merge by age.
   */
  private takeBatch(): Queued<T>[] {
    const oldest = this.oldest();
    if (!oldest) return [];
    const base = oldest.item.length;
    this.take(oldest);
    const batch = [oldest];
    let longest = base;
    const { maxPairs } = this;
    const { maxTokens } = this.options;
    // Indexes into the ascending lengths: below walks down from the base, above walks up.
    let above = lowerBound(this.lengths, base);
    let below = above - 1;
    while (batch.length < maxPairs && longest * (batch.length + 1) <= maxTokens) {
      const down = below >= 0 ? this.lengths[below] : undefined;
      const up = above < this.lengths.length ? this.lengths[above] : undefined;
      if (down === undefined && up === undefined) break;
      const downDistance = down === undefined ? Infinity : base - down;
      const upDistance = up === undefined ? Infinity : up - base;
      const distance = Math.min(downDistance, upDistance);
      const group = [...(downDistance === distance && down !== undefined ? [down] : []), ...(upDistance === distance && up !== undefined ? [up] : [])];
      // The oldest live entries of this distance's buckets, no more than the batch can still take from each
      // (a bucket's pairs are all of one length: if one does not fit, none does).
      const need = maxPairs - batch.length;
      const candidates = group.flatMap((length) => {
        const bucket = this.buckets.get(length);
        const live: Queued<T>[] = [];
        for (let i = bucket?.head ?? 0; bucket && i < bucket.entries.length && live.length < need; i++) {
          const entry = bucket.entries[i];
          if (entry && !entry.taken) live.push(entry);
        }
        return live;
      });
      if (group.length > 1) candidates.sort((a, b) => a.at - b.at);
      for (const candidate of candidates) {
        if (batch.length >= maxPairs) break;
        const nextLongest = Math.max(longest, candidate.item.length);
        if (nextLongest * (batch.length + 1) > maxTokens) continue;
        batch.push(candidate);
        longest = nextLongest;
      }
      for (const q of batch) if (!q.taken) this.take(q);
      // take() may drop emptied lengths: find the walk's place again.
      above = lowerBound(this.lengths, base + distance + 1);
      below = lowerBound(this.lengths, base - distance) - 1;
    }
    return batch;
  }

  private dispatch(batch: Queued<T>[]): void {
    this.inFlight++;
    this.wakeWaiters();
    const started = this.now();
    this.options.run(batch.map((q) => q.item), batch.map((q) => q.at))
      .then(() => { this.observeRate(batch.length, this.now() - started); }, () => undefined)
      .finally(() => {
        this.inFlight--;
        this.pump();
        this.wakeWaiters();
      });
  }

  /**
   * A batch's pairs and its time from dispatch to done (inference and the wait for delivery both: what the queue
   * drains at), each in a moving average: their ratio, not an average of each batch's rate, which a few quick
   * batches among slow ones (a busy machine) pull far above what the queue drains at.
   */
  private observeRate(pairs: number, ms: number): void {
    if (ms <= 0) return;
    this.batchPairs = this.batchPairs === undefined ? pairs : this.batchPairs + RATE_WEIGHT * (pairs - this.batchPairs);
    this.batchMs = this.batchMs === undefined ? ms : this.batchMs + RATE_WEIGHT * (ms - this.batchMs);
  }

  /** Pairs per second the batches run at, all slots together; undefined before the first. */
  private get pairsPerSecond(): number | undefined {
    if (this.batchPairs === undefined || this.batchMs === undefined) return undefined;
    return ((this.batchPairs * 1000) / this.batchMs) * this.options.concurrency;
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, delayMs));
  }

  private wakeWaiters(): void {
    if (this.hasRoom()) for (const resolve of this.roomWaiters.splice(0)) resolve();
    if (this.atLowWater()) for (const resolve of this.lowWaterWaiters.splice(0)) resolve();
    if (this.count === 0 && this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** The first index whose value is >= `value` in an ascending array. */
function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] ?? 0) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
