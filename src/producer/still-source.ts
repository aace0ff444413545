/**
 * A photo's one frame through the session's long-lived still decoders (still-codecs.ts), in the
 * shape the producer reads a source in. When they cannot take it (its size is not in its header,
 * the process fell over on it) the photo goes through the per-file decoder instead, which
 * decodes it or reports it exactly as for any other input.
 */
import type { StreamInfo } from '../core/types.js';
import type { DecodedFrame } from '../core/media/video-decoder.js';
import type { FramePool } from '../core/media/frame-pool.js';
import type { SourceSupervisor, SupervisorEnd } from '../core/media/source-supervisor.js';
import type { StillCodecs } from '../core/media/still-codecs.js';

/** What the producer reads a source through (a SourceSupervisor, or this). */
export type FrameSource = Pick<SourceSupervisor, 'info' | 'frames' | 'end' | 'close'>;

export class StillSource implements FrameSource {
  private opened: Promise<StreamInfo> | null = null;
  private fallback: SourceSupervisor | null = null;
  private frame: DecodedFrame | null = null;
  private produced = 0;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly source: string,
    private readonly streamId: string,
    private readonly stills: StillCodecs,
    /** Where its frame's buffer comes from and goes back to: the session's, reused photo after photo. */
    readonly pool: FramePool,
    private readonly perFile: () => SourceSupervisor,
  ) {}

  /** Decoded per file (its frames from the producer's own pool, not {@link pool}). */
  get fellBack(): boolean { return this.fallback !== null; }

  info(): Promise<StreamInfo> {
    this.opened ??= this.open();
    return this.opened;
  }

  private async open(): Promise<StreamInfo> {
    const d = this.closed ? null : await this.stills.decodeFile(this.file, (n) => this.pool.take(n));
    if (!d) {
      this.fallback = this.perFile();
      if (this.closed) this.fallback.close();
      return this.fallback.info();
    }
    if (this.closed) {
      this.pool.give(d.yuv);
      throw new Error(`closed before '${this.source}' was read`);
    }
    this.frame = { seq: 0, ptsMs: 0, width: d.width, height: d.height, yuv: d.yuv, arrivedAtMs: Date.now() };
    // What ffmpeg's image2 demuxer says of a still (its 25 fps default, one frame long).
    return { streamId: this.streamId, source: this.source, width: d.width, height: d.height, fps: 25, durationMs: 40, hasAudio: false, audioCodec: null, live: false };
  }

  async *frames(): AsyncGenerator<DecodedFrame, undefined, undefined> {
    await this.info();
    if (this.fallback) {
      yield* this.fallback.frames();
      return;
    }
    const f = this.frame;
    this.frame = null;
    if (!f || this.closed) return;
    this.produced = 1;
    yield f;
  }

  end(): SupervisorEnd {
    if (this.fallback) return this.fallback.end();
    const pts = this.produced ? 0 : null;
    return { frames: this.produced, firstPtsMs: pts, lastPtsMs: pts, reason: this.closed && !this.produced ? 'closed' : 'eof', dropped: 0, misTimed: 0, exitCode: 0, signal: null, reconnects: 0 };
  }

  close(): void {
    this.closed = true;
    this.fallback?.close();
    if (this.frame) this.pool.give(this.frame.yuv);
    this.frame = null;
  }
}
