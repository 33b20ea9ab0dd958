/**
 * Whether the Kafka cluster is reachable, from what the client sees: any successful request marks it up, a
 * retriable failure marks it down from that moment. A broker restart (a rolling upgrade restarts brokers every
 * week) is ridden out; only an outage longer than the tolerance is fatal. Readiness and a metric follow it.
 */
import { RelstreamError } from '../errors.js';
import { sleep } from '../sleep.js';

export interface ConnectivityOptions {
  readonly toleranceMs: number;
  readonly now?: () => number;
  /** Called on every change, e.g. to set a gauge. */
  readonly onChange?: (reachable: boolean, error: RelstreamError | undefined) => void;
}

export class KafkaConnectivity {
  #downSince: number | undefined;
  #lastError: RelstreamError | undefined;
  readonly #now: () => number;

  constructor(private readonly options: ConnectivityOptions) {
    this.#now = options.now ?? Date.now;
  }

  get reachable(): boolean {
    return this.#downSince === undefined;
  }

  ok(): void {
    if (this.#downSince === undefined) return;
    this.#downSince = undefined;
    this.options.onChange?.(true, undefined);
  }

  failed(error: RelstreamError): void {
    this.#lastError = error;
    if (this.#downSince !== undefined) return;
    this.#downSince = this.#now();
    this.options.onChange?.(false, error);
  }

  /** The fatal error once the cluster has been unreachable for longer than the tolerance; else undefined. */
  exceeded(): RelstreamError | undefined {
    return this.#downSince === undefined ? undefined : this.failingSince(this.#downSince, this.#lastError);
  }

  /**
   * The fatal error once one operation has been failing since `since` for longer than the tolerance. Per
   * operation as well as overall: fetches may succeed while the output topic's leader stays away.
   */
  failingSince(since: number, cause: unknown): RelstreamError | undefined {
    const downMs = this.#now() - since;
    if (downMs <= this.options.toleranceMs) return undefined;
    return new RelstreamError('RELSTREAM_KAFKA_UNAVAILABLE', `Kafka unreachable for ${Math.round(downMs / 1000)} s (tolerance ${Math.round(this.options.toleranceMs / 1000)} s)`, { cause });
  }

  now(): number {
    return this.#now();
  }
}

export interface RetryOptions {
  readonly connectivity: KafkaConnectivity;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Stops retrying (the last error is thrown) once aborted, e.g. at shutdown. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The delay before retry `attempt` (0-based): doubling from initialMs, capped at maxMs. */
function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

/**
 * Runs a Kafka request until it succeeds, retrying retriable failures with capped exponential backoff while
 * the outage is within tolerance. Throws a non-retriable error at once and RELSTREAM_KAFKA_UNAVAILABLE past
 * the tolerance: both mean the caller must stop, so nothing waits forever.
 */
export async function retryKafka<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  const started = options.connectivity.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await work();
      options.connectivity.ok();
      return result;
    } catch (error) {
      if (!(error instanceof RelstreamError) || !error.retriable) throw error;
      // A stale group generation is a rebalance, not an outage: the cluster answered.
      if (error.code !== 'RELSTREAM_KAFKA_STALE_GENERATION') options.connectivity.failed(error);
      const fatal = options.connectivity.failingSince(started, error);
      if (fatal) throw fatal;
      if (options.signal?.aborted) throw error;
      await wait(backoffMs(attempt, options.initialBackoffMs ?? 100, options.maxBackoffMs ?? 5000));
    }
  }
}
