import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ProgressCounters } from '../progress.js';
import { createFamilies, type MetricFamilies } from './families.js';
import { ModelMetrics } from './model-metrics.js';
import { StreamMetrics } from './stream-metrics.js';

export interface MetricsOptions {
  /** The process's role (run, produce, work, compose, …): a default label on every series. */
  role: string;
  /**
   * Node's default process metrics (CPU, memory, event loop lag, GC, handles), as
   * prom-client's collectDefaultMetrics gives them. @defaultValue true
   */
  processMetrics?: boolean;
}

/** Job counts by state, read from the queue when scraped. */
export type QueueCounts = () => Promise<Partial<Record<'waiting' | 'active' | 'delayed' | 'failed', number>>>;

/** A scrape never waits longer than this for Redis (a Redis that is down must not hang /metrics). */
const COLLECT_TIMEOUT_MS = 1000;

/**
 * One per process, shared by every role and stream in it (labels carry the stream): the roles
 * feed it, /metrics serves it (metrics-server.ts), the progress display and the stream registry
 * read it. Roles given none make a private one, so they never check for it.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly role: string;
  /** Over all streams of this process: the progress of `segstream work`. */
  readonly totals: ProgressCounters = { decoded: 0, inferred: 0, written: 0, failed: 0 };
  private readonly families: MetricFamilies;
  private readonly streamMap = new Map<string, StreamMetrics>();
  private readonly modelMap = new Map<string, ModelMetrics>();
  private readonly inFlightSources = new Map<string, () => number | Promise<number>>();
  private queueCounts: QueueCounts | null = null;

  constructor(opts: MetricsOptions) {
    this.role = opts.role;
    this.registry.setDefaultLabels({ role: opts.role });
    this.families = createFamilies([this.registry], {
      inFlight: (g) => this.collectInFlight(g),
      busy: (g) => { for (const m of this.modelMap.values()) g.set({ model: m.model, device: m.device }, m.busyRatio()); },
      queueJobs: (g) => this.collectQueue(g),
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The stream's counters (created on first use). */
  stream(streamId: string): StreamMetrics {
    let s = this.streamMap.get(streamId);
    if (!s) {
      s = new StreamMetrics(streamId, this.families, this.totals);
      this.streamMap.set(streamId, s);
    }
    return s;
  }

  /** A model this process has loaded (created on first use: loading it is what makes a worker ready). */
  model(modelPath: string, device: string): ModelMetrics {
    const key = `${modelPath}\0${device}`;
    let m = this.modelMap.get(key);
    if (!m) {
      m = new ModelMetrics(modelPath, device, this.families);
      this.modelMap.set(key, m);
    }
    return m;
  }

  get streams(): StreamMetrics[] { return [...this.streamMap.values()]; }
  get models(): ModelMetrics[] { return [...this.modelMap.values()]; }

  /** Where `segstream_frames_in_flight{stream}` comes from (local counts, or Redis). */
  watchInFlight(streamId: string, read: () => number | Promise<number>): void {
    this.inFlightSources.set(streamId, read);
  }

  /** Where `segstream_queue_jobs{state}` comes from (a Redis role's queue). */
  watchQueue(read: QueueCounts): void {
    this.queueCounts = read;
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> { return this.registry.metrics(); }
  get contentType(): string { return this.registry.contentType; }

  private async collectInFlight(g: import('prom-client').Gauge<'stream'>): Promise<void> {
    await Promise.all([...this.inFlightSources].map(async ([stream, read]) => {
      const n = await withTimeout(Promise.resolve().then(read)).catch(() => null);
      if (n !== null) g.set({ stream }, n);
    }));
  }

  private async collectQueue(g: import('prom-client').Gauge<'state'>): Promise<void> {
    if (!this.queueCounts) return;
    const counts = await withTimeout(this.queueCounts()).catch(() => null);
    if (!counts) return; // Redis away: the series keep their last values (readyz says why)
    for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) g.set({ state }, counts[state] ?? 0);
  }
}

function withTimeout<T>(p: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), COLLECT_TIMEOUT_MS); timer.unref(); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
