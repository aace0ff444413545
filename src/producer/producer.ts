import { SourceSupervisor, type ReconnectPolicy } from '../core/media/source-supervisor.js';
import { isImagePath } from '../core/media/image-format.js';
import type { StillCodecs } from '../core/media/still-codecs.js';
import { StillSource, type FrameSource } from './still-source.js';
import { FramePool } from '../core/media/frame-pool.js';
import { classifySource } from '../core/media/source.js';
import type { Logger } from '../core/log.js';
import { log as rootLog } from '../core/log.js';
import { HEARTBEAT_EVERY_MS, HEARTBEAT_TTL_MS, type ResumePoint, type Transport } from '../core/transport/transport.js';
import type { StreamEnd, StreamEvent, StreamInfo } from '../core/types.js';
import { Metrics } from '../core/metrics/metrics.js';
import type { StreamMetrics } from '../core/metrics/stream-metrics.js';

export interface ProducerOptions {
  /** File path or URL (http(s)://, rtsp://, udp://, rtp://). */
  source: string;
  streamId: string;
  /** Sample the source down to this many frames per second. Default: every frame. */
  fps?: number;
  /** Stop after this many frames. Default: the whole source. */
  maxFrames?: number;
  /** Give up when the source sends no frame for this long. Default: the decoder's (20 s). */
  stallTimeoutMs?: number;
  /**
   * A live source lost after it delivered frames: reopen it for ever, never, or up to N failed
   * attempts in a row. Files are never reopened. @defaultValue 'always'
   */
  reconnect?: ReconnectPolicy;
  /**
   * The process's metrics: decoded, dropped and mis-timed frames, reconnects, source state.
   * @defaultValue a private one (nothing served)
   */
  metrics?: Metrics;
  /**
   * Long-lived still decoders (a session's): an image file is decoded by one of them instead of
   * an ffmpeg of its own. @defaultValue undefined (an ffmpeg per input)
   */
  stills?: StillCodecs;
}

export interface ProducerHooks {
  onInfo?(info: StreamInfo): void;
  onFrame?(seq: number): void;
}

/**
 * Decodes one source and publishes its frames, in order, each with the source's PTS. Always ends
 * the stream it opened (even after a decode error) so that its compositor can finish.
 */
export class Producer {
  private stopping = false;
  private source: FrameSource | null = null;
  /** Decoded frames' buffers, back from the transport once it lets go of them. */
  readonly pool = new FramePool();
  private readonly log: Logger;
  /** Renumbers a resumed stream's events like its frames. */
  private eventShift = (e: StreamEvent): StreamEvent => e;
  /** This stream's counters in the process's metrics. */
  readonly metrics: StreamMetrics;

  constructor(private readonly transport: Transport, private readonly opts: ProducerOptions, logger: Logger = rootLog) {
    this.log = logger.child({ role: 'producer', stream: opts.streamId });
    this.metrics = (opts.metrics ?? new Metrics({ role: 'produce', processMetrics: false })).stream(opts.streamId);
  }

  async run(hooks: ProducerHooks = {}): Promise<StreamEnd> {
    // A paused RTSP/UDP reader loses packets or stalls: live sources drop their oldest undelivered
    // frame instead of waiting for the pipeline, and every drop is counted.
    const spec = classifySource(this.opts.source);
    const live = spec.live === true;
    const perFile = () => new SourceSupervisor(this.opts.source, this.opts.streamId, {
      dropOldest: live,
      fps: this.opts.fps,
      maxFrames: this.opts.maxFrames,
      stallTimeoutMs: this.opts.stallTimeoutMs,
      pool: this.pool,
      reconnect: this.opts.reconnect,
      logger: this.log,
      // Published before the frame it precedes: the compositor writes it in its place.
      onEvent: (e) => {
        if (e.kind === 'source-lost') this.metrics.sourceLost();
        else this.metrics.sourceBack();
        return this.transport.publishEvent(this.eventShift(e));
      },
    });
    // A photo (one frame, as is): a still decoder of the session, when there is one.
    const still = this.opts.stills && spec.kind === 'file' && isImagePath(this.opts.source) && this.opts.fps === undefined && (this.opts.maxFrames ?? 1) >= 1;
    const decoder: FrameSource = still
      ? new StillSource(spec.ffmpegInput.replace(/^file:/, ''), this.opts.source, this.opts.streamId, this.opts.stills!, this.opts.stills!.frames, perFile)
      : perFile();
    // A frame goes back to the pool it came from (a fallen-back photo's: this producer's own).
    const poolOf = () => (decoder instanceof StillSource && !decoder.fellBack ? decoder.pool : this.pool);
    this.source = decoder;
    if (this.stopping) decoder.close();
    let info: StreamInfo;
    try {
      info = { ...(await decoder.info()), startedAt: new Date().toISOString() };
    } catch (err) {
      decoder.close();
      this.metrics.sourceEnded((err as Error).message);
      throw err;
    }
    const resumed = await this.openOrResume(info);
    const seqBase = resumed?.nextSeq ?? 0;
    // A resumed live stream goes on in time: its first new frame lies the real gap after the last one.
    let ptsShift: number | null = resumed?.lastPtsMs != null && resumed.lastWallMs != null ? null : 0;
    this.eventShift = (e) => ({ ...e, atSeq: e.atSeq + seqBase, ptsMs: e.ptsMs === null ? null : e.ptsMs + (ptsShift ?? 0) });
    const beat = () => this.transport.heartbeat(this.opts.streamId, HEARTBEAT_TTL_MS).catch(() => undefined);
    await beat();
    const heart = setInterval(beat, HEARTBEAT_EVERY_MS);
    heart.unref();
    this.metrics.opened(info);
    hooks.onInfo?.(info);
    this.log.info('decoding', { source: info.source, size: `${info.width}x${info.height}`, fps: info.fps ?? undefined, audio: info.hasAudio, live: info.live });

    let frames = 0;
    let firstPtsMs: number | null = null;
    let lastPtsMs: number | null = null;
    let error: string | undefined;
    try {
      for await (const f of decoder.frames()) {
        if (this.stopping) break;
        const yuv = f.yuv;
        ptsShift ??= resumed!.lastPtsMs! + (Date.now() - resumed!.lastWallMs!) - f.ptsMs;
        const seq = f.seq + seqBase;
        const ptsMs = f.ptsMs + ptsShift;
        const sm = this.metrics;
        sm.decoded();
        // The decoder counts what it drops; the totals so far become the metrics' increase.
        const so = decoder.end();
        sm.decoderTotals(so.dropped, so.misTimed);
        sm.publishing = true;
        try {
          await this.transport.publishFrame({
            streamId: this.opts.streamId, seq, ptsMs, width: f.width, height: f.height, yuv,
            release: () => poolOf().give(yuv), decodedAtMs: f.arrivedAtMs,
          });
        } finally {
          sm.publishing = false;
        }
        firstPtsMs ??= resumed?.firstPtsMs ?? ptsMs;
        lastPtsMs = ptsMs;
        frames++;
        hooks.onFrame?.(seq);
      }
      const summary = decoder.end();
      error = summary.error;
      if (summary.dropped) this.log.warn(`dropped ${summary.dropped} frame(s): the pipeline was slower than the live source`, { dropped: summary.dropped });
    } catch (err) {
      error = (err as Error).message;
    } finally {
      decoder.close();
      clearInterval(heart);
    }
    const { reconnects, dropped, misTimed } = decoder.end();
    this.metrics.decoderTotals(dropped, misTimed);
    // A live stream's end record says what its source cost: outages, and frames dropped or mis-timed.
    const end: StreamEnd = { frames: seqBase + frames, firstPtsMs, lastPtsMs, ...(error ? { error } : {}), ...(info.live ? { reconnects, dropped, misTimed } : {}) };
    this.metrics.sourceEnded(frames === 0 ? error ?? 'no frames' : error);
    await this.transport.endStream(this.opts.streamId, end);
    if (error) this.log.warn(frames ? `decoding stopped early: ${error}` : error, { frames });
    if (frames === 0) throw new Error(error ?? `no frames decoded from '${this.opts.source}'`);
    return end;
  }

  /**
   * A live stream whose producer died (registered, not ended, no heartbeat) is continued: same
   * id, seq after the last published. Anything else is opened as a new stream (a file's id that
   * is taken is refused, as it cannot go on where it was cut).
   */
  private async openOrResume(info: StreamInfo): Promise<ResumePoint | null> {
    if (info.live && (await this.transport.lookupStream(info.streamId)).state === 'open') {
      const r = await this.transport.resumeStream(info);
      this.log.warn(`resuming stream '${info.streamId}' at seq ${r.nextSeq}: its earlier producer stopped without ending it`, { seq: r.nextSeq });
      return r;
    }
    await this.transport.openStream(info);
    return null;
  }

  /** Stops decoding after the current frame (or a wait to reconnect); the stream ends with what was published. */
  stop(): void {
    this.stopping = true;
    this.source?.close();
  }
}
