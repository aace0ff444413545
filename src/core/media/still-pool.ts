/**
 * Idle long-lived still processes (decoders or encoders), by what they can take (a key such as
 * `mjpeg 1280x720 transpose=1`). A job takes an idle one of its key or starts one, and gives it
 * back after; several jobs of one key at once get a process each. Retired processes are dropped;
 * past `maxIdle` in all, the longest idle is ended (a batch of many sizes keeps the recent ones).
 */
export interface PooledProcess {
  readonly ready: boolean;
  readonly alive: boolean;
  close(): void;
}

export class StillPool<T extends PooledProcess> {
  /** Idle processes, least recently used first. */
  private idle: { key: string; proc: T }[] = [];
  private closed = false;
  /** Processes started (tests, diagnostics). */
  started = 0;

  constructor(private readonly maxIdle = 8) {}

  take(key: string, make: () => T): T {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const e = this.idle[i];
      if (e.key !== key) continue;
      this.idle.splice(i, 1);
      if (e.proc.ready) return e.proc;
      e.proc.close();
    }
    this.started++;
    return make();
  }

  give(key: string, proc: T): void {
    if (this.closed || !proc.ready) {
      proc.close();
      return;
    }
    this.idle.push({ key, proc });
    while (this.idle.length > this.maxIdle) this.idle.shift()!.proc.close();
  }

  /** Idle processes now (tests). */
  get idleCount(): number { return this.idle.length; }

  close(): void {
    this.closed = true;
    for (const e of this.idle.splice(0)) e.proc.close();
  }
}
