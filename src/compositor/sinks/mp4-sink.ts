import { VideoEncoder } from '../../core/media/video-encoder.js';
import type { Logger } from '../../core/log.js';
import type { StreamInfo } from '../../core/types.js';
import type { Sink, SinkEnd, SinkFrame } from './sink.js';

export interface Mp4SinkOptions {
  /** Copy the source's audio when it has one and it is a file. @defaultValue true */
  audio?: boolean;
  /** x264 preset. @defaultValue 'veryfast' */
  preset?: string;
  /** x264 CRF. @defaultValue 23 */
  crf?: number;
}

/**
 * The annotated video of a whole stream as one MP4 (src/core/media/video-encoder.ts), timed from
 * the stream's PTS span, with the source's audio. It renames itself into place in `close`.
 */
export class Mp4Sink implements Sink {
  private encoder: VideoEncoder | null = null;
  private info: StreamInfo | null = null;

  constructor(readonly path: string, private readonly opts: Mp4SinkOptions, private readonly log: Logger) {}

  async open(info: StreamInfo): Promise<void> {
    this.info = info;
    const wantAudio = (this.opts.audio ?? true) && info.hasAudio;
    if (wantAudio && info.live) this.log.warn('live source: its audio is not carried into the output');
    this.encoder = new VideoEncoder(this.path, {
      width: info.width,
      height: info.height,
      preset: this.opts.preset,
      crf: this.opts.crf,
      audio: wantAudio && !info.live ? { source: info.source, codec: info.audioCodec } : undefined,
    });
  }

  async write(f: SinkFrame): Promise<void> {
    await this.opened().write(f.yuv);
  }

  async event(): Promise<void> {}

  async close(e: SinkEnd): Promise<void> {
    const stopped = e.end === null;
    await this.opened().finish({
      frames: e.frames,
      firstPtsMs: e.end ? e.end.firstPtsMs : e.firstPtsMs,
      lastPtsMs: e.end ? e.end.lastPtsMs : e.lastPtsMs,
      sourceDurationMs: stopped ? null : this.info!.durationMs,
    });
  }

  commit(): void {}

  abort(): void {
    this.encoder?.abort();
  }

  private opened(): VideoEncoder {
    if (!this.encoder) throw new Error(`Mp4Sink '${this.path}': not opened`);
    return this.encoder;
  }
}
