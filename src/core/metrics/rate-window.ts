/**
 * Rate of a growing total over the last few seconds (frames per second, busy seconds per
 * second), from samples taken as the total moves. Cheap enough to call once per frame: it keeps
 * at most one sample per `resolutionMs`.
 */
export class RateWindow {
  private readonly samples: { t: number; total: number }[] = [];
  private total = 0;

  /**
   * @param windowMs - how far back the rate looks. @defaultValue 10 000
   * @param resolutionMs - samples closer together than this are merged. @defaultValue 250
   * @param now - the clock (ms). @defaultValue Date.now
   */
  constructor(
    private readonly windowMs = 10_000,
    private readonly resolutionMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds `amount` to the total (a frame: 1; busy time: seconds). */
  add(amount = 1): void {
    this.total += amount;
    const t = this.now();
    const last = this.samples.at(-1);
    if (last && t - last.t < this.resolutionMs) last.total = this.total;
    else this.samples.push({ t, total: this.total });
    this.trim(t);
  }

  /** Per second over the window; 0 before two samples, and once nothing moved for a whole window. */
  rate(): number {
    const t = this.now();
    this.trim(t);
    const first = this.samples[0];
    if (!first || t - first.t < this.resolutionMs) return 0;
    return (this.total - first.total) / ((t - first.t) / 1000);
  }

  /** Keeps the newest sample older than the window as its start, and nothing older. */
  private trim(t: number): void {
    while (this.samples.length > 1 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
  }
}
