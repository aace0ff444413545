export interface BackoffOptions {
  /** First delay. @defaultValue 500 */
  initialMs?: number;
  /** Delays double up to this. @defaultValue 10000 */
  maxMs?: number;
  /** A connection that delivered frames for this long starts the delays over. @defaultValue 60000 */
  resetAfterMs?: number;
}

/**
 * Delays between reopening a lost source: 0.5 s, 1 s, 2 s ... up to 10 s, so that a camera that is
 * down for long costs a connection attempt every 10 s, not a busy loop. A flapping source (up for
 * seconds, down again) keeps its long delays; one that was good for a minute starts over at 0.5 s.
 */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  private nextMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 10_000;
    this.resetAfterMs = opts.resetAfterMs ?? 60_000;
    if (!(this.initialMs > 0 && this.maxMs >= this.initialMs)) {
      throw new RangeError(`backoff needs 0 < initialMs <= maxMs, got ${this.initialMs} and ${this.maxMs}`);
    }
    this.nextMs = this.initialMs;
  }

  /** The delay before the next attempt; the one after it doubles (up to maxMs). */
  next(): number {
    const d = this.nextMs;
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    return d;
  }

  /** A connection ended after delivering frames for `uptimeMs`: long enough, and delays start over. */
  connectionEnded(uptimeMs: number): void {
    if (uptimeMs >= this.resetAfterMs) this.nextMs = this.initialMs;
  }
}
