import { killAllMediaChildren } from './media/process.js';
import { ShutdownAbandoned } from './shutdown-abandoned.js';

export interface ShutdownGuardOptions {
  /**
   * How long a graceful stop may take before the role abandons what it holds.
   * @defaultValue 10 000 ms
   */
  timeoutMs?: number;
  /** Starts the graceful stop (first SIGTERM/SIGINT). */
  stop(): void;
  /**
   * Tears the role down without waiting for anything (no Redis reply, no ffmpeg exit) and says
   * what it gave up, e.g. "abandoning 2 active frames; their locks lapse and another worker retries them".
   */
  abandon(): string;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * A bound on SIGTERM/SIGINT shutdown. The first signal starts the role's graceful stop; when the
 * role has not finished `timeoutMs` later (typically: Redis is gone and a reply it waits for never
 * comes), or a second signal arrives, the guard abandons: the role's own teardown, then every
 * ffmpeg child is killed, and `run()` rejects with a ShutdownAbandoned saying what was given up.
 */
export class ShutdownGuard {
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | null = null;
  private signalled: NodeJS.Signals | null = null;
  private rejectAbandoned!: (err: Error) => void;
  private readonly abandoned = new Promise<never>((_, reject) => { this.rejectAbandoned = reject; });
  private readonly onSignal = (signal: NodeJS.Signals): void => this.signal(signal);

  constructor(private readonly opts: ShutdownGuardOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.abandoned.catch(() => undefined); // observed by run(); never an unhandled rejection
    process.on('SIGTERM', this.onSignal);
    process.on('SIGINT', this.onSignal);
  }

  /** Whether a signal asked the role to stop. */
  get stopping(): boolean { return this.signalled !== null; }

  /** Resolves or rejects with `work`, or rejects once the role is abandoned. Removes the signal handlers after. */
  async run<T>(work: Promise<T>): Promise<T> {
    try {
      return await Promise.race([work, this.abandoned]);
    } finally {
      this.dispose();
    }
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.signalled) {
      this.giveUp('shutdown cut short by a second signal');
      return;
    }
    this.signalled = signal;
    this.opts.stop();
    const s = this.timeoutMs / 1000;
    this.timer = setTimeout(() => this.giveUp(`shutdown timed out after ${s} s`), this.timeoutMs);
  }

  private giveUp(why: string): void {
    if (this.timer) clearTimeout(this.timer);
    let what: string;
    try {
      what = this.opts.abandon();
    } catch (err) {
      what = `abandoning (teardown failed: ${(err as Error).message})`;
    }
    killAllMediaChildren();
    this.rejectAbandoned(new ShutdownAbandoned(`${why}: ${what}`, this.signalled ?? 'SIGTERM'));
  }

  private dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
  }
}
