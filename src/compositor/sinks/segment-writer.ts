import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { VideoEncoder, type EncoderOptions } from '../../core/media/video-encoder.js';
import { toJsonEventLine, toJsonLine } from '../../core/results/jsonl-writer.js';
import type { StreamEvent } from '../../core/types.js';
import type { InProgressRecord, SegmentIndex, SegmentRecord } from './segment-index.js';
import { inProgressName } from './segment-namer.js';
import type { SinkFrame } from './sink.js';
import { SegmentTrackFiles, type SegmentFileSpec } from './segment-track-files.js';

/**
 * One segment being written: its video encodes to a hidden raw H.264 file beside the target and
 * its JSONL lines go, one synchronous write each, to a hidden file beside theirs, so that a
 * compositor killed at any moment leaves both for the next one to recover (segment-recovery.ts).
 * Its track files (MOT, CVAT, events: segment-track-files.ts) are written the same way.
 * `finish` muxes the MP4 into place and renames the JSONL and track files.
 */
export class SegmentWriter {
  readonly record: InProgressRecord;
  private readonly encoder: VideoEncoder;
  private readonly fd: number;
  private readonly trackFiles: SegmentTrackFiles;
  private frames = 0;
  private firstPtsMs: number | null = null;
  private lastPtsMs: number | null = null;

  constructor(
    private readonly index: SegmentIndex,
    rec: Omit<InProgressRecord, 'raw' | 'lines' | 'encoderPid' | 'files'>,
    encoderOpts: EncoderOptions,
    files: readonly SegmentFileSpec[] = [],
  ) {
    mkdirSync(path.dirname(rec.video), { recursive: true });
    this.trackFiles = new SegmentTrackFiles(rec.video, rec.firstSeq, files);
    this.record = {
      ...rec, raw: inProgressName(rec.video, '.h264'), lines: inProgressName(rec.video, '.jsonl'), encoderPid: null,
      ...(files.length ? { files: this.trackFiles.records } : {}),
    };
    // 'wx': an in-progress file of that name is a crashed segment's: never write over it.
    this.fd = openSync(this.record.lines, 'wx');
    this.encoder = new VideoEncoder(rec.video, { ...encoderOpts, rawPath: this.record.raw });
    this.index.setCurrent(this.record);
  }

  get firstPts(): number | null { return this.firstPtsMs; }
  get count(): number { return this.frames; }

  async write(f: SinkFrame): Promise<void> {
    await this.encoder.write(f.yuv);
    if (this.frames === 0) {
      this.record.encoderPid = this.encoder.pid;
      this.index.setCurrent(this.record);
    }
    writeSync(this.fd, JSON.stringify(toJsonLine(f.result)) + '\n');
    this.trackFiles.write(f);
    this.frames++;
    if (Number.isFinite(f.result.ptsMs)) { this.firstPtsMs ??= f.result.ptsMs; this.lastPtsMs = f.result.ptsMs; }
  }

  event(e: StreamEvent): void {
    writeSync(this.fd, JSON.stringify(toJsonEventLine(e)) + '\n');
  }

  /**
   * Muxes the segment. `nextPtsMs`: the next segment's first frame, whose gap to this one's first
   * is this segment's duration (so durations add up); null at the stream's end, where the last
   * frame lasts as long as the segment's average. `frameMs` times a segment of one frame then.
   */
  async finish(nextPtsMs: number | null, frameMs: number): Promise<SegmentRecord> {
    const n = this.frames;
    const first = this.firstPtsMs;
    let last = this.lastPtsMs;
    let single = frameMs;
    if (nextPtsMs !== null && first !== null && nextPtsMs > first) {
      // (n − 1) / (last − first) = n / (next − first): the encoder's rate rule gives the span.
      last = first + ((nextPtsMs - first) * (n - 1)) / n;
      single = nextPtsMs - first;
    }
    const r = await this.encoder.finish({ frames: n, firstPtsMs: first, lastPtsMs: last, sourceDurationMs: single });
    closeSync(this.fd);
    renameSync(this.record.lines, this.record.results);
    const files = this.trackFiles.finish();
    const rec: SegmentRecord = {
      index: this.record.index, video: this.record.video, results: this.record.results, firstSeq: this.record.firstSeq,
      frames: r.frames, start: this.record.start, durationMs: r.durationMs,
      bytes: r.bytes + [this.record.results, ...files].reduce((n, f) => n + statSync(f).size, 0),
      ...(files.length ? { files } : {}),
    };
    this.index.added(rec);
    this.index.setCurrent(null);
    return rec;
  }

  /** Leaves the files as a crash would (the next compositor recovers them): their frames are acked. */
  leave(): void {
    this.encoder.detach();
    try { closeSync(this.fd); } catch { /* closed */ }
    this.trackFiles.leave();
  }
}
