/**
 * Picks the batch size (pairs) that gives the most pairs per second of inference, online. The best size
 * depends on the provider, the model and the lengths (on CPU a full-size BERT peaks near 8-16 pairs, a GPU
 * wants far more), so it is measured rather than configured: sizes are the powers of two up to `maxPairs`
 * (and `maxPairs` itself); the controller stays on one and, between windows of `samplesPerProbe` full batches,
 * tries a neighbour for one window (at most a fifth of the time), moving there when it was faster than the
 * window before it by more than `margin`. Throughput over batch size
 * is close to unimodal, so stepping to the better neighbour climbs to the peak and keeps tracking it.
 *
 * Only full batches (as many pairs as the size asked) are samples: a batch closed early by the wait or the
 * token budget says nothing about its size. With no backlog batches are rarely full and nothing moves, which
 * is right: latency, not throughput, decides then.
 */
export interface BatchSizeControllerOptions {
  readonly maxPairs: number;
  /** Full batches per measurement (at the current size, then at the neighbour probed). */
  readonly samplesPerProbe?: number;
  /** How much faster a neighbour must be to move there (0.03: 3%). */
  readonly margin?: number;
}

interface Rung {
  readonly size: number;
  pairs: number;
  seconds: number;
}

/** Time at the chosen size per unit of time probing. */
const HOLD = 4;

export class BatchSizeController {
  private readonly rungs: Rung[];
  private current: number;
  /** The rung being measured: the current one, or a neighbour on probation. */
  private measuring: number;
  private samples = 0;
  /** Inference time at the chosen size since the last probe, and the last probe's. */
  private heldSeconds = 0;
  private probeSeconds = 0;
  private nextProbeUp = false;
  private readonly samplesPerProbe: number;
  private readonly margin: number;

  constructor(options: BatchSizeControllerOptions) {
    const sizes: number[] = [];
    for (let size = 1; size < options.maxPairs; size *= 2) sizes.push(size);
    sizes.push(options.maxPairs);
    this.rungs = sizes.map((size) => ({ size, pairs: 0, seconds: 0 }));
    // Start at the top: the fixed behaviour before the controller, and what a GPU wants.
    this.current = this.rungs.length - 1;
    this.measuring = this.current;
    this.samplesPerProbe = options.samplesPerProbe ?? 8;
    this.margin = options.margin ?? 0.03;
  }

  /** The batch size to ask the micro-batcher for now. */
  get size(): number {
    return this.rungs[this.measuring]?.size ?? 1;
  }

  /** The size the controller holds as best (the one it returns to after a probe). */
  get chosen(): number {
    return this.rungs[this.current]?.size ?? 1;
  }

  /** One batch's outcome: its pairs and the seconds its inference took. */
  observe(pairs: number, seconds: number): void {
    const rung = this.rungs[this.measuring];
    if (!rung || pairs !== rung.size || seconds <= 0) return;
    rung.pairs += pairs;
    rung.seconds += seconds;
    if (this.measuring === this.current) this.heldSeconds += seconds;
    else this.probeSeconds += seconds;
    if (++this.samples < this.samplesPerProbe) return;
    this.samples = 0;
    if (this.measuring === this.current) {
      // Probing costs throughput when the neighbour is worse: a probe gets at most 1 / (1 + HOLD) of the time.
      if (this.heldSeconds < HOLD * this.probeSeconds) {
        const held = this.rungs[this.current];
        if (held) { held.pairs = 0; held.seconds = 0; }
        return;
      }
      this.heldSeconds = 0;
      this.probeSeconds = 0;
      this.startProbe();
      return;
    }
    if (rate(this.rungs[this.measuring]) > rate(this.rungs[this.current]) * (1 + this.margin)) {
      // Moved: keep going the same way after one window, without the hold: the peak may be further on.
      this.nextProbeUp = this.measuring > this.current;
      this.current = this.measuring;
      this.probeSeconds = 0;
    }
    // Conditions drift (lengths, load): every window measures afresh.
    for (const r of this.rungs) {
      r.pairs = 0;
      r.seconds = 0;
    }
    this.measuring = this.current;
  }

  private startProbe(): void {
    const up = this.current + 1 < this.rungs.length;
    const down = this.current > 0;
    if (!up && !down) return;
    const goUp = up && (this.nextProbeUp || !down);
    this.nextProbeUp = !this.nextProbeUp;
    this.measuring = goUp ? this.current + 1 : this.current - 1;
  }
}

function rate(rung: Rung | undefined): number {
  return rung === undefined || rung.seconds === 0 ? 0 : rung.pairs / rung.seconds;
}
