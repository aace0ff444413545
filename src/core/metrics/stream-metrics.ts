import { performance } from 'node:perf_hooks';
import type { ProgressCounters } from '../progress.js';
import type { FrameResult, StreamInfo } from '../types.js';
import type { MetricFamilies } from './families.js';
import { RateWindow } from './rate-window.js';

/** What the producer side of this process knows of its source. */
export type SourceState = 'starting' | 'live' | 'reconnecting' | 'ended' | 'failed';
/** What the compositor side of this process is doing with the stream. */
export type ComposeState = 'waiting' | 'composing' | 'finished' | 'stopped' | 'failed';

/**
 * One stream's counters in one process. The roles call the methods as frames move; each updates
 * the Prometheus series (labelled with the stream) and the plain numbers that the TTY progress
 * and the stream registry read. A role only touches its own side: the producer decoded/dropped/
 * source state, workers inferred, the compositor written/failed/latency.
 */
export class StreamMetrics {
  /** The progress display reads these (src/core/progress.ts). */
  readonly counts: ProgressCounters = { decoded: 0, inferred: 0, written: 0, failed: 0 };
  dropped = 0;
  misTimed = 0;
  reconnects = 0;
  /** Sum of session.run ms over this stream's frames inferred here. */
  inferMs = 0;
  sourceState: SourceState = 'starting';
  composeState: ComposeState | null = null;
  /** The compositor here found the stream and began writing it (it reports the compositor side). */
  composingStarted = false;
  info: StreamInfo | null = null;
  /** A producer in this process opened the stream (it reports the producer side). */
  producing = false;
  /** The compositor's video (or segment pattern). */
  output: string | undefined;
  /** The compositor's live HLS view (absolute directory), when it publishes one. */
  hls: string | undefined;
  /** Why the source ended, when it ended on an error. */
  error: string | undefined;
  /** Date.now() of the last frame decoded here (the producer's readiness: source delivering). */
  lastDecodedAt: number | null = null;
  /** The producer is handing a frame to the transport (which waits while the stream is at --max-in-flight). */
  publishing = false;
  /** performance.now() of the first and last frame written here (steady fps). */
  firstWrittenAt: number | null = null;
  lastWrittenAt: number | null = null;
  /** Decode-to-written of the last frame written here, in ms. */
  lastLatencyMs: number | null = null;
  /** Date.now() of the last thing that happened to the stream here (metrics.ts forgets idle streams). */
  lastActive = Date.now();
  readonly decodedRate = new RateWindow();
  readonly writtenRate = new RateWindow();
  private readonly decodedSeries;
  private readonly inferredSeries;
  private readonly writtenSeries;
  private readonly failedSeries;
  private readonly droppedSeries;
  private readonly latencySeries;

  constructor(readonly streamId: string, private readonly f: MetricFamilies, private readonly totals: ProgressCounters) {
    // Children resolved once: no label lookup per frame.
    this.decodedSeries = f.frames.labels(streamId, 'decoded');
    this.inferredSeries = f.frames.labels(streamId, 'inferred');
    this.writtenSeries = f.frames.labels(streamId, 'written');
    this.failedSeries = f.frames.labels(streamId, 'failed');
    this.droppedSeries = f.frames.labels(streamId, 'dropped');
    this.latencySeries = f.latency.labels(streamId);
  }

  // ── producer ──

  opened(info: StreamInfo): void {
    this.info = info;
    this.producing = true;
    // Series at 0 from the start: a rate() over them works before the first drop.
    this.decodedSeries.inc(0);
    this.droppedSeries.inc(0);
    this.f.misTimed.labels(this.streamId).inc(0);
    this.f.reconnects.labels(this.streamId).inc(0);
  }

  decoded(): void {
    this.counts.decoded++;
    this.totals.decoded++;
    this.decodedSeries.inc();
    this.decodedRate.add();
    this.lastDecodedAt = this.lastActive = Date.now();
    if (this.sourceState !== 'live') this.setSource('live');
  }

  /** The decoder's running totals of dropped and mis-timed frames (only the increase counts). */
  decoderTotals(dropped: number, misTimed: number): void {
    if (dropped > this.dropped) {
      this.droppedSeries.inc(dropped - this.dropped);
      this.dropped = dropped;
    }
    if (misTimed > this.misTimed) {
      this.f.misTimed.labels(this.streamId).inc(misTimed - this.misTimed);
      this.misTimed = misTimed;
    }
  }

  sourceLost(): void { this.setSource('reconnecting'); }

  sourceBack(): void {
    this.reconnects++;
    this.f.reconnects.labels(this.streamId).inc();
    this.setSource('live');
  }

  sourceEnded(error?: string): void {
    this.error = error;
    this.setSource(error && this.counts.decoded === 0 ? 'failed' : 'ended');
  }

  private setSource(state: SourceState): void {
    this.sourceState = state;
    this.lastActive = Date.now();
    this.f.sourceUp.labels(this.streamId).set(state === 'live' ? 1 : 0);
  }

  // ── worker ──

  inferred(inferMs: number): void {
    this.counts.inferred++;
    this.totals.inferred++;
    this.lastActive = Date.now();
    this.inferMs += inferMs;
    this.inferredSeries.inc();
  }

  // ── compositor ──

  composing(state: ComposeState, info?: StreamInfo, output?: string): void {
    this.composeState = state;
    this.lastActive = Date.now();
    if (info) this.info ??= info;
    if (output) this.output = output;
    if (state === 'composing') {
      this.composingStarted = true;
      this.writtenSeries.inc(0);
      this.failedSeries.inc(0);
    }
  }

  written(result: Pick<FrameResult, 'error' | 'decodedAtMs'>): void {
    this.counts.written++;
    this.totals.written++;
    this.writtenSeries.inc();
    this.writtenRate.add();
    if (result.error) {
      this.counts.failed++;
      this.totals.failed++;
      this.failedSeries.inc();
    }
    this.lastActive = Date.now();
    const now = performance.now();
    this.firstWrittenAt ??= now;
    this.lastWrittenAt = now;
    if (result.decodedAtMs !== undefined) {
      // Another machine's clock may be a little ahead: never a negative latency.
      const ms = Math.max(0, Date.now() - result.decodedAtMs);
      this.lastLatencyMs = ms;
      this.latencySeries.observe(ms / 1000);
    }
  }

  /** Nothing of the stream is running here: no live or reconnecting source, no compositor at work. */
  get settled(): boolean {
    const producing = this.producing && (this.sourceState === 'live' || this.sourceState === 'reconnecting' || this.sourceState === 'starting');
    const composing = this.composeState === 'composing' || this.composeState === 'waiting';
    return !producing && !composing;
  }

  /** Removes the stream's series (it is forgotten: a long-lived worker sees many streams come and go). */
  removeSeries(): void {
    const id = this.streamId;
    for (const stage of ['decoded', 'inferred', 'written', 'failed', 'dropped']) this.f.frames.remove(id, stage);
    this.f.misTimed.remove(id);
    this.f.reconnects.remove(id);
    this.f.sourceUp.remove(id);
    this.f.latency.remove(id);
    this.f.inFlight.remove(id);
  }
}
