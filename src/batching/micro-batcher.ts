/**
 * One micro-batcher shared by all assigned partitions. A batch closes at `maxPairs`, at `maxTokens` padded
 * tokens (pairs x longest), or when its oldest pair has waited `maxWaitMs`; pairs of similar length go
 * together to keep padding low. At most `concurrency` batches run at once. Admission is bounded in pairs and
 * in tokens (`capacityPairs`, `capacityTokens`): callers wait on `whenRoom()` (and pause their partitions)
 * when either is reached. An empty queue always has room, so a record larger than the queue still passes, alone.
 */
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
  /** Runs one batch; a rejection is the runner's to report, the batcher only frees the slot. */
  readonly run: (items: T[], queuedAtMs: readonly number[]) => Promise<void>;
  readonly now?: () => number;
}

interface Queued<T> {
  readonly item: T;
  readonly at: number;
}

export class MicroBatcher<T extends BatchItem> {
  private queue: Queued<T>[] = [];
  private inFlight = 0;
  private tokens = 0;
  private timer: NodeJS.Timeout | undefined;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly options: MicroBatcherOptions<T>) {
    this.now = options.now ?? (() => performance.now());
  }

  get queuedPairs(): number { return this.queue.length; }
  get queuedTokens(): number { return this.tokens; }
  get batchesInFlight(): number { return this.inFlight; }
  hasRoom(): boolean {
    return this.queue.length === 0 || (this.queue.length < this.options.capacityPairs && this.tokens < this.options.capacityTokens);
  }

  /** Resolves once the queue is below capacity. */
  whenRoom(): Promise<void> {
    return this.hasRoom() ? Promise.resolve() : new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    return this.queue.length === 0 && this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  submit(item: T): void {
    this.queue.push({ item, at: this.now() });
    this.tokens += item.length;
    this.pump();
  }

  /** Removes queued items the predicate rejects (their partition was revoked); running batches finish. */
  discard(keep: (item: T) => boolean): T[] {
    const dropped = this.queue.filter((q) => !keep(q.item)).map((q) => q.item);
    this.queue = this.queue.filter((q) => keep(q.item));
    this.tokens = this.queue.reduce((n, q) => n + q.item.length, 0);
    this.wakeWaiters();
    return dropped;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const oldest = this.queue[0];
      if (!oldest) break;
      const waited = this.now() - oldest.at;
      if (this.queue.length < this.options.maxPairs && !this.tokensFull() && waited < this.options.maxWaitMs) {
        this.schedule(this.options.maxWaitMs - waited);
        return;
      }
      this.dispatch(this.takeBatch());
    }
  }

  private tokensFull(): boolean {
    let longest = 0;
    for (const q of this.queue) longest = Math.max(longest, q.item.length);
    return longest * this.queue.length >= this.options.maxTokens;
  }

  /** The oldest pair and the queued pairs closest to it in length, within maxPairs and maxTokens. */
  private takeBatch(): Queued<T>[] {
    const [oldest] = this.queue;
    if (!oldest) return [];
    const byCloseness = this.queue.slice(1).sort((a, b) =>
      Math.abs(a.item.length - oldest.item.length) - Math.abs(b.item.length - oldest.item.length) || a.at - b.at);
    const batch = [oldest];
    let longest = oldest.item.length;
    for (const candidate of byCloseness) {
      if (batch.length >= this.options.maxPairs) break;
      const nextLongest = Math.max(longest, candidate.item.length);
      if (nextLongest * (batch.length + 1) > this.options.maxTokens) continue;
      batch.push(candidate);
      longest = nextLongest;
    }
    const taken = new Set(batch);
    this.queue = this.queue.filter((q) => !taken.has(q));
    for (const q of batch) this.tokens -= q.item.length;
    return batch;
  }

  private dispatch(batch: Queued<T>[]): void {
    this.inFlight++;
    this.wakeWaiters();
    this.options.run(batch.map((q) => q.item), batch.map((q) => q.at))
      .catch(() => undefined)
      .finally(() => {
        this.inFlight--;
        this.pump();
        this.wakeWaiters();
      });
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
    if (this.queue.length === 0 && this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
