import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { StreamRegistry } from '../transport/stream-registry.js';
import type { WorkerRegistry } from '../transport/worker-registry.js';
import type { Metrics } from './metrics.js';

export interface RegistryReporterOptions {
  /** How often the registry is rewritten. @defaultValue 1000 ms */
  intervalMs?: number;
  /** The last report on close() waits no longer than this. @defaultValue 1000 ms */
  closeTimeoutMs?: number;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/**
 * Copies what this process's {@link Metrics} know into the stream and worker registries in
 * Redis, every second and once more on close: the producer side of streams this process
 * produces, the compositor side of those it composes, and a record per loaded model. A Redis
 * that is away costs a skipped report, nothing else.
 */
export class RegistryReporter {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private readonly host = hostname();
  /** Sides already reported in a final state (`id:producer`, `id:compositor`): not rewritten every second for ever. */
  private readonly settled = new Set<string>();

  constructor(
    private readonly metrics: Metrics,
    private readonly streams: StreamRegistry,
    private readonly workers: WorkerRegistry,
    private readonly logger: Logger,
    private readonly opts: RegistryReporterOptions = {},
  ) {}

  start(): this {
    this.timer = setInterval(() => { void this.report(); }, this.opts.intervalMs ?? 1000);
    this.timer.unref();
    void this.report();
    return this;
  }

  /** Writes the registry now (skipped when the previous write is still under way). */
  report(final = false): Promise<void> {
    this.busy ??= this.write(final)
      .catch((err: Error) => this.logger.debug('registry report skipped', { error: err.message }))
      .finally(() => { this.busy = null; });
    return this.busy;
  }

  /** A last report (stopped workers, finished streams), bounded in time; then no more. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let t: NodeJS.Timeout | undefined;
    // A Redis that is away may hold a write for ever: the bound covers the one under way too.
    const last = (this.busy ?? Promise.resolve()).then(() => this.report(true));
    await Promise.race([last, new Promise((r) => { t = setTimeout(r, this.opts.closeTimeoutMs ?? 1000); })]);
    clearTimeout(t);
  }

  private async write(final: boolean): Promise<void> {
    const now = Date.now();
    const base = { host: this.host, pid: process.pid, updatedAt: now };
    const writes: Promise<void>[] = [];
    for (const s of this.metrics.streams) {
      const info = s.info;
      const pKey = `${s.streamId}:producer`;
      const cKey = `${s.streamId}:compositor`;
      const pSettles = s.sourceState === 'ended' || s.sourceState === 'failed';
      if (!pSettles) this.settled.delete(pKey); // the id produced again
      if (s.producing && info && !this.settled.has(pKey)) {
        const settles = pSettles;
        writes.push(this.streams.reportProducer(s.streamId, {
          ...base, state: s.sourceState, source: info.source, live: info.live, width: info.width, height: info.height,
          fpsIn: round(s.decodedRate.rate()), decoded: s.counts.decoded, dropped: s.dropped, misTimed: s.misTimed,
          reconnects: s.reconnects, ...(s.error ? { error: s.error } : {}),
        }).then(() => { if (settles) this.settled.add(pKey); }));
      }
      // A compositor refused (stream unknown, or composed already) leaves the registry alone.
      const cSettles = s.composeState !== 'composing' && s.composeState !== 'waiting';
      if (!cSettles) this.settled.delete(cKey);
      if (s.composeState && s.composingStarted && !this.settled.has(cKey)) {
        const settles = cSettles;
        writes.push(this.streams.reportCompositor(s.streamId, {
          ...base, state: s.composeState, written: s.counts.written, failed: s.counts.failed,
          fpsOut: round(s.writtenRate.rate()), latencyMs: s.lastLatencyMs === null ? null : Math.round(s.lastLatencyMs),
          ...(s.output ? { output: s.output } : {}),
          ...(s.hls ? { hls: s.hls } : {}),
        }).then(() => { if (settles) this.settled.add(cKey); }));
      }
    }
    for (const m of this.metrics.models) {
      writes.push(this.workers.report({
        id: `${this.host}:${process.pid}`, host: this.host, pid: process.pid, model: m.model, device: m.device,
        fps: round(m.frameRate.rate()), frames: m.frames, errors: m.errors, busy: round(m.busyRatio(), 3),
        state: final ? 'stopped' : 'running', startedAt: m.loadedAt, lastSeen: now,
      }));
    }
    await Promise.all(writes);
  }
}
