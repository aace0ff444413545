import { freeName } from '../../core/results/free-name.js';
import type { EncoderOptions } from '../../core/media/video-encoder.js';
import type { Logger } from '../../core/log.js';
import type { StreamEvent, StreamInfo } from '../../core/types.js';
import type { Mp4SinkOptions } from './mp4-sink.js';
import { SegmentIndex } from './segment-index.js';
import { recoverSegment } from './segment-recovery.js';
import { applyRetention, type RetentionLimits } from './segment-retention.js';
import { SegmentNamer, withExt } from './segment-namer.js';
import { SegmentWriter } from './segment-writer.js';
import type { Sink, SinkEnd, SinkFrame } from './sink.js';
import type { SegmentFileSpec } from './segment-track-files.js';

export interface SegmentedMp4SinkOptions extends Mp4SinkOptions, RetentionLimits {
  streamId: string;
  /** Seconds of source time per segment. */
  seconds: number;
  /**
   * The first seq this compositor gets (the transport's composed count): a segment a killed
   * compositor left is recovered up to it. @defaultValue 0
   */
  resumeSeq?: number;
  /** Track files each segment gets beside its video (MOT, CVAT, zone events). @defaultValue none */
  files?: SegmentFileSpec[];
}

/**
 * The annotated video cut into MP4s of `seconds` of source time, each with its own JSONL and
 * track files (segment-namer.ts names them, segment-track-files.ts writes the track files). A segment starts at the first frame whose PTS is at least its
 * predecessor's first PTS + `seconds` (each segment is encoded on its own, so it starts with a
 * keyframe); it lasts until the next one's first frame, so the durations add up to the stream's.
 * Finished segments are final the moment they are renamed into place; the one in progress is
 * recoverable after a SIGKILL (segment-writer.ts); retention runs after each one.
 */
export class SegmentedMp4Sink implements Sink {
  private readonly namer: SegmentNamer;
  private readonly index: SegmentIndex;
  private info: StreamInfo | null = null;
  private current: SegmentWriter | null = null;
  /** Events before the first frame of a segment not started yet. */
  private pendingEvents: StreamEvent[] = [];

  constructor(readonly pattern: string, private readonly opts: SegmentedMp4SinkOptions, private readonly log: Logger) {
    this.namer = new SegmentNamer(pattern, opts.streamId);
    this.index = new SegmentIndex(this.namer.stateDir, opts.streamId);
  }

  async open(info: StreamInfo): Promise<void> {
    this.info = info;
    const wantAudio = (this.opts.audio ?? true) && info.hasAudio;
    if (wantAudio && info.live) this.log.warn('live source: its audio is not carried into the output');
    const recovered = await recoverSegment(this.index, this.opts.resumeSeq ?? 0, this.encoderOpts(0), this.frameMs(), this.log);
    if (recovered) this.retain();
  }

  async write(f: SinkFrame): Promise<void> {
    const pts = f.result.ptsMs;
    const cur = this.current;
    if (cur && cur.firstPts !== null && Number.isFinite(pts) && pts >= cur.firstPts + this.opts.seconds * 1000) await this.finishCurrent(pts);
    if (!this.current) this.start(f);
    await this.current!.write(f);
  }

  async event(e: StreamEvent): Promise<void> {
    if (this.current) this.current.event(e);
    else this.pendingEvents.push(e);
  }

  async finalize(): Promise<void> {
    if (this.current) await this.finishCurrent(null);
  }

  async close(_end: SinkEnd): Promise<void> {
    if (this.current) await this.finishCurrent(null);
  }

  commit(): void {}

  /** Leaves the segment in progress for the next compositor: its frames are acked already. */
  abort(): void {
    this.current?.leave();
    this.current = null;
  }

  private start(f: SinkFrame): void {
    const info = this.info!;
    const ptsMs = Number.isFinite(f.result.ptsMs) ? f.result.ptsMs : 0;
    const startMs = (info.startedAt ? Date.parse(info.startedAt) : Date.now()) + ptsMs;
    const index = this.index.nextIndex();
    // Never over a file that is there (an earlier recording, a recovered segment).
    const files = this.opts.files ?? [];
    const video = freeName(this.namer.video(index, startMs), ['.jsonl', ...files.map((s) => s.ext)].map((e) => (v: string) => withExt(v, e)));
    this.current = new SegmentWriter(this.index, {
      index, video, results: withExt(video, '.jsonl'), firstSeq: f.result.seq, start: new Date(startMs).toISOString(),
    }, this.encoderOpts(ptsMs), files);
    for (const e of this.pendingEvents) this.current.event(e);
    this.pendingEvents = [];
  }

  private async finishCurrent(nextPtsMs: number | null): Promise<void> {
    const seg = this.current!;
    this.current = null;
    const rec = await seg.finish(nextPtsMs, this.frameMs());
    this.log.info(`segment ${rec.index} finished: ${rec.video} (${rec.frames} frames, ${(rec.durationMs / 1000).toFixed(3)} s)`, { segment: rec.index, frames: rec.frames });
    this.retain();
  }

  private retain(): void {
    applyRetention(this.index, this.opts, this.log);
  }

  /** One frame's duration at the stream's nominal rate: how long a segment of one frame lasts. */
  private frameMs(): number {
    return 1000 / (this.info?.fps || 25);
  }

  private encoderOpts(startMs: number): EncoderOptions {
    const info = this.info!;
    const wantAudio = (this.opts.audio ?? true) && info.hasAudio && !info.live;
    return {
      width: info.width, height: info.height, preset: this.opts.preset, crf: this.opts.crf, logger: this.log,
      audio: wantAudio ? { source: info.source, codec: info.audioCodec, startMs } : undefined,
    };
  }
}
