/**
 * A live HLS rendition of annotated frames: one ffmpeg child (x264 zerolatency, a keyframe at
 * every segment start, the hls muxer with a rolling playlist). Frames are given with their PTS and
 * written at a constant rate: a frame that arrives late is repeated to fill the time since the
 * last one (so a player's clock stays the source's), up to one playlist window; a longer gap
 * (an outage) is not filled and shows as a jump.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ffmpegPath } from './ffmpeg-path.js';
import { LineSplitter, StderrTail, lastErrorLine } from './ffmpeg-log.js';
import { MediaError } from './media-error.js';
import { spawnTracked, type Tracked } from './process.js';
import { pipelineNiceness } from '../priority.js';

export interface HlsEncoderOptions {
  width: number;
  height: number;
  /** Output frame rate: the source's nominal rate. @defaultValue 10 */
  fps?: number;
  /** Target segment length in seconds. @defaultValue 1 */
  segmentSeconds?: number;
  /** Segments listed in the rolling playlist (older ones are deleted). @defaultValue 6 */
  listSize?: number;
  /** x264 preset. @defaultValue 'veryfast' */
  preset?: string;
  /** x264 CRF. @defaultValue 23 */
  crf?: number;
}

export const HLS_PLAYLIST = 'index.m3u8';

/** Segment file names: `seg-<n>.ts`, n counting from the start time in seconds since the epoch. */
export const HLS_SEGMENT_RE = /^seg-\d+\.ts$/;

export class HlsEncoder {
  readonly fps: number;
  private tracked: Tracked | null = null;
  private readonly tail = new StderrTail();
  private failure: MediaError | null = null;
  private firstPtsMs: number | null = null;
  /** Frames handed to ffmpeg so far (repeats included). */
  private emitted = 0;
  private closing = false;

  constructor(readonly dir: string, private readonly o: HlsEncoderOptions) {
    this.fps = o.fps && o.fps > 0 ? o.fps : 10;
  }

  get playlist(): string {
    return path.join(this.dir, HLS_PLAYLIST);
  }

  /** Frames given to ffmpeg, repeats included. */
  get frames(): number {
    return this.emitted;
  }

  async write(yuv: Uint8Array, ptsMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    const child = (this.tracked ??= this.start()).child;
    const windowFrames = Math.ceil(this.fps * this.segmentSeconds * this.listSize);
    let due = 1;
    if (this.firstPtsMs === null || !Number.isFinite(ptsMs)) this.firstPtsMs ??= ptsMs;
    else {
      const target = Math.round(((ptsMs - this.firstPtsMs) * this.fps) / 1000) + 1;
      due = target - this.emitted;
      if (due > windowFrames) {
        // An outage: restart the clock here instead of replaying its length.
        this.firstPtsMs = ptsMs - (this.emitted * 1000) / this.fps;
        due = 1;
      }
    }
    // A frame early for its slot is still shown once: frames are never dropped here.
    for (let i = 0; i < Math.max(1, due); i++) await this.writeOnce(child, yuv);
  }

  /** Ends the stream: ffmpeg writes the last segment and closes the playlist (#EXT-X-ENDLIST). */
  async close(): Promise<void> {
    if (!this.tracked) return;
    this.closing = true;
    this.tracked.child.stdin!.end();
    const { code, signal } = await this.tracked.closed;
    if (this.failure) throw this.failure;
    if (code !== 0) throw this.error(`ffmpeg ${code !== null ? `exit code ${code}` : `killed by ${signal}`}`);
  }

  /** Kills ffmpeg at once; its files stay (the sink decides). */
  abort(): void {
    this.closing = true;
    this.tracked?.child.kill('SIGKILL');
  }

  private get segmentSeconds(): number {
    return this.o.segmentSeconds ?? 1;
  }

  private get listSize(): number {
    return this.o.listSize ?? 6;
  }

  private writeOnce(child: ChildProcess, yuv: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      child.stdin!.write(yuv, (err) => {
        if (!err) { this.emitted++; resolve(); return; }
        void this.tracked!.closed.then(() => reject(this.failure ?? this.error(`write failed (${err.message})`)));
      });
    });
  }

  private start(): Tracked {
    mkdirSync(this.dir, { recursive: true });
    const { width: w, height: h } = this.o;
    const gop = Math.max(1, Math.round(this.fps * this.segmentSeconds));
    const args = [
      '-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error',
      '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-framerate', String(this.fps), '-i', 'pipe:0',
      ...(w % 2 || h % 2 ? ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2'] : []),
      '-c:v', 'libx264', '-preset', this.o.preset ?? 'veryfast', '-crf', String(this.o.crf ?? 23),
      // No lookahead or B-frames (they hold frames back), and a keyframe exactly at each segment start.
      '-tune', 'zerolatency', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-f', 'hls', '-hls_time', String(this.segmentSeconds), '-hls_list_size', String(this.listSize),
      // temp_file: a segment appears under its name only once complete; epoch numbering: a restarted
      // compositor never reuses a name a player may have cached.
      '-hls_flags', 'delete_segments+temp_file+independent_segments+program_date_time',
      '-hls_start_number_source', 'epoch',
      '-hls_segment_filename', path.join(this.dir, 'seg-%d.ts'),
      this.playlist,
    ];
    const tracked = spawnTracked(ffmpegPath(), args, { stdio: ['pipe', 'ignore', 'pipe'] }, pipelineNiceness());
    tracked.child.stdin!.on('error', () => undefined); // reported through write()'s callback
    const lines = new LineSplitter();
    tracked.child.stderr!.setEncoding('latin1');
    tracked.child.stderr!.on('data', (s: string) => lines.push(s).forEach((l) => this.tail.push(l)));
    void tracked.closed.then(({ code, signal, spawnError }) => {
      lines.flush().forEach((l) => this.tail.push(l));
      if (spawnError) this.failure = new MediaError('FFMPEG_MISSING', `cannot start ffmpeg for HLS in '${this.dir}': ${spawnError.message}`);
      else if (!this.closing && code !== 0) this.failure = this.error(`ffmpeg ${code !== null ? `exit code ${code}` : `killed by ${signal}`}`);
    });
    return tracked;
  }

  private error(what: string): MediaError {
    const last = lastErrorLine(this.tail.text()) ?? this.tail.all().at(-1);
    return new MediaError('ENCODE_FAILED', `cannot write HLS to '${this.dir}': ${what}${last ? `: ${last}` : ''}`, { detail: this.tail.text() });
  }
}
