import type { Logger } from './log.js';
import type { StreamInfo } from './types.js';
import { StatusLine } from './status-line.js';

/**
 * Frames a stream should deliver, for the progress total and ETA: its duration × its rate, at most
 * `maxFrames`; `maxFrames` alone when that is unknown (live sources); else null. `info.fps` is
 * already the sampled rate when the producer resamples (--fps), the container's otherwise.
 */
export function expectedFrames(info: Pick<StreamInfo, 'durationMs' | 'fps'>, opts: { maxFrames?: number } = {}): number | null {
  const fromDuration = info.durationMs && info.fps ? Math.round((info.durationMs / 1000) * info.fps) : null;
  if (opts.maxFrames === undefined) return fromDuration;
  return fromDuration === null ? opts.maxFrames : Math.min(opts.maxFrames, fromDuration);
}

/** Counters a role bumps as frames move; the reporter turns them into fps and ETA. */
export interface ProgressCounters {
  decoded: number;
  inferred: number;
  written: number;
  /** Frames that failed (error results); they still count as written. */
  failed: number;
}

export interface ProgressOptions {
  /** Frames expected in total, when known (file duration × fps, or --max-frames). */
  total?: number | null;
  /** Which counter drives fps and ETA. Default 'written'. */
  lead?: keyof ProgressCounters;
  /** Redraw / log interval in ms. Default 250 on a TTY, 5000 otherwise. */
  intervalMs?: number;
  /** Which counters to show, in order. Default decoded, inferred, written. */
  show?: (keyof ProgressCounters)[];
  label?: string;
  /**
   * Counters to read instead of its own: a stream's or the process's in the metrics
   * (src/core/metrics), which the roles feed. @defaultValue its own, fed by the caller
   */
  counters?: ProgressCounters;
}

/**
 * Progress on a terminal: one line redrawn in place (frames, fps, ETA). Without a TTY: a
 * structured log line every few seconds instead, so logs stay parseable.
 */
export class Progress {
  readonly counters: ProgressCounters;
  private timer: NodeJS.Timeout | null = null;
  private readonly started = Date.now();
  private statusLine: StatusLine | null = null;
  private readonly tty: boolean;
  private samples: { t: number; n: number }[] = [];

  constructor(private readonly logger: Logger, private readonly opts: ProgressOptions = {}) {
    this.tty = !logger.json && Boolean(process.stderr.isTTY);
    this.counters = opts.counters ?? { decoded: 0, inferred: 0, written: 0, failed: 0 };
  }

  set total(n: number | null | undefined) { this.opts.total = n ?? null; }

  start(): this {
    const interval = this.opts.intervalMs ?? (this.tty ? 250 : 5000);
    this.timer = setInterval(() => this.report(), interval);
    this.timer.unref();
    if (this.tty) this.statusLine = new StatusLine(this.logger);
    return this;
  }

  /** Frames per second of the lead counter over the last ~5 s. */
  fps(): number {
    const n = this.counters[this.opts.lead ?? 'written'];
    const t = Date.now();
    this.samples.push({ t, n });
    while (this.samples.length > 2 && t - this.samples[0].t > 5000) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    if (dt < 0.5) {
      const all = (t - this.started) / 1000;
      return all > 0 ? n / all : 0;
    }
    return (n - first.n) / dt;
  }

  line(): string {
    const c = this.counters;
    const show = this.opts.show ?? ['decoded', 'inferred', 'written'];
    const fps = this.fps();
    const lead = c[this.opts.lead ?? 'written'];
    const total = this.opts.total ?? null;
    const parts = show.map((k) => `${k} ${c[k]}${k === (this.opts.lead ?? 'written') && total ? `/${total}` : ''}`);
    if (c.failed) parts.push(`failed ${c.failed}`);
    parts.push(`${fps.toFixed(1)} fps`);
    if (total && fps > 0 && lead < total) parts.push(`ETA ${formatDuration((total - lead) / fps)}`);
    parts.push(`elapsed ${formatDuration((Date.now() - this.started) / 1000)}`);
    return (this.opts.label ? this.opts.label + ': ' : '') + parts.join(' | ');
  }

  report(): void {
    if (this.tty) {
      this.statusLine?.show(this.line());
    } else {
      const fps = this.fps();
      this.logger.info('progress', { ...this.counters, fps: Number(fps.toFixed(2)), total: this.opts.total ?? undefined });
    }
  }

  stop(): void {
    const wasRunning = this.timer !== null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.tty) {
      // A last line with the final counts, so short runs are in the logs too.
      if (wasRunning) this.report();
      return;
    }
    if (wasRunning) {
      this.report();
      this.statusLine?.end();
      this.statusLine = null;
    }
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(ss).padStart(2, '0')}s` : `${ss}s`;
}
