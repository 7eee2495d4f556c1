/**
 * Counters over a recent window: rates (frames per second) and percentiles (latency), with
 * bounded memory however long the node runs.
 */
export class RollingStats {
  #times: number[] = [];
  #values: number[] = [];

  /**
   * @param windowMs - samples older than this are forgotten
   * @param maxSamples - at most this many samples are kept
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxSamples = 10_000,
  ) {}

  add(time: number, value: number): void {
    this.#times.push(time);
    this.#values.push(value);
    if (this.#times.length > this.maxSamples) {
      this.#times.shift();
      this.#values.shift();
    }
  }

  #prune(now: number): void {
    let drop = 0;
    while (drop < this.#times.length && now - (this.#times[drop] as number) > this.windowMs) drop++;
    if (drop > 0) {
      this.#times.splice(0, drop);
      this.#values.splice(0, drop);
    }
  }

  /** Sum of values in the window, per second of the window (or of the time since the first sample). */
  ratePerSecond(now: number): number {
    this.#prune(now);
    const first = this.#times[0];
    if (first === undefined) return 0;
    const spanMs = Math.min(this.windowMs, Math.max(1000, now - first));
    return (this.#values.reduce((sum, v) => sum + v, 0) * 1000) / spanMs;
  }

  /** The p-quantile (0..1) of the values kept; 0 when there are none. */
  percentile(p: number): number {
    if (this.#values.length === 0) return 0;
    const sorted = [...this.#values].sort((a, b) => a - b);
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
    return sorted[index] as number;
  }
}
