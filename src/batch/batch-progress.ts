import type { Logger } from '../core/log.js';
import { formatDuration } from '../core/progress.js';
import { StatusLine } from '../core/status-line.js';

/**
 * A batch's overall progress: files done/total, frames written, fps over the last ~5 s, and an
 * ETA from the rate of files finished so far (frame totals of inputs not opened yet are unknown).
 * On a terminal one line redrawn in place; otherwise a structured log line every 5 s.
 */
export class BatchProgress {
  filesDone = 0;
  filesFailed = 0;
  frames = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private statusLine: StatusLine | null = null;
  private readonly tty: boolean;
  private samples: { t: number; n: number }[] = [];

  constructor(private readonly logger: Logger, readonly filesTotal: number, private readonly intervalMs?: number) {
    this.tty = !logger.json && Boolean(process.stderr.isTTY);
  }

  start(): this {
    this.timer = setInterval(() => this.report(), this.intervalMs ?? (this.tty ? 250 : 5000));
    this.timer.unref();
    if (this.tty) this.statusLine = new StatusLine(this.logger);
    return this;
  }

  fps(): number {
    const t = Date.now();
    this.samples.push({ t, n: this.frames });
    while (this.samples.length > 2 && t - this.samples[0].t > 5000) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    if (dt < 0.5) {
      const all = (t - this.started) / 1000;
      return all > 0 ? this.frames / all : 0;
    }
    return (this.frames - first.n) / dt;
  }

  /** Seconds left, from the mean time per finished file; null before the first. */
  etaSeconds(): number | null {
    if (this.filesDone === 0 || this.filesDone >= this.filesTotal) return null;
    const perFile = (Date.now() - this.started) / 1000 / this.filesDone;
    return perFile * (this.filesTotal - this.filesDone);
  }

  line(): string {
    const parts = [`files ${this.filesDone}/${this.filesTotal}`];
    if (this.filesFailed) parts.push(`failed ${this.filesFailed}`);
    parts.push(`frames ${this.frames}`, `${this.fps().toFixed(1)} fps`);
    const eta = this.etaSeconds();
    if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`);
    parts.push(`elapsed ${formatDuration((Date.now() - this.started) / 1000)}`);
    return 'batch: ' + parts.join(' | ');
  }

  report(): void {
    if (this.tty) {
      this.statusLine?.show(this.line());
    } else {
      const eta = this.etaSeconds();
      this.logger.info('batch progress', {
        filesDone: this.filesDone, filesTotal: this.filesTotal, filesFailed: this.filesFailed, frames: this.frames,
        fps: Number(this.fps().toFixed(2)), ...(eta !== null ? { etaS: Math.round(eta) } : {}),
      });
    }
  }

  stop(): void {
    const wasRunning = this.timer !== null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!wasRunning) return;
    this.report();
    if (this.tty) {
      this.statusLine?.end();
      this.statusLine = null;
    }
  }
}
