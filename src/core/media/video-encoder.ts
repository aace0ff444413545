/**
 * H.264 MP4 writer whose frame count and duration equal the source's, with the source's audio.
 *
 * Raw frames piped into ffmpeg have no timestamps, and the exact rate (frames − 1) / (last − first PTS)
 * is known only at the end, so the video is encoded first and timed afterwards:
 *
 *  (a) while frames stream in:
 *      ffmpeg -f rawvideo -pix_fmt yuv420p -s WxH -framerate 25 -i pipe:0
 *             -c:v libx264 -preset P -crf C -bf 0 -pix_fmt yuv420p -f h264 T/a.h264
 *  (b) finish(): rewrite the stream's VUI timing to the real rate R = num/den (tick rate 2R),
 *      ffmpeg -f h264 -i T/a.h264 -c copy -bsf:v h264_metadata=tick_rate=2num/den -f h264 T/b.h264
 *  (c) mux with timestamps generated at R, plus the source's audio trimmed to the video:
 *      ffmpeg -f h264 -r R -i T/b.h264 [-t D -i SOURCE] -map 0:v:0 [-map 1:a:0 -c:a copy|aac]
 *             -c:v copy -movflags +faststart -f mp4 OUT
 *
 * Found on the bundled 2018 ffmpeg (N-47683): the raw h264 demuxer ignores `-framerate` when the
 * stream carries VUI timing (x264 always writes it), `-r` before `-i` sets the packet timestamps
 * but the last packet's duration still comes from the VUI (hence step b), and B-frames cannot be
 * used because raw h264 carries no PTS (every B-frame muxes as "pts has no value", out of order):
 * hence `-bf 0`.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { log as rootLog } from '../log.js';
import { LineSplitter, StderrTail, lastErrorLine } from './ffmpeg-log.js';
import { ffmpegCaps, ffmpegPath } from './ffmpeg-path.js';
import { MediaError } from './media-error.js';
import { pipelineNiceness } from '../priority.js';
import { spawnTracked, stopChild } from './process.js';
import { rateFromNominal, rateFromSpan, rateToString, type Rational } from './rational.js';
import { FfmpegRunError, runFfmpeg } from './run-ffmpeg.js';
import { classifySource, inputArgs, resolveForFfmpeg, validateSource } from './source.js';
import { yuv420Size } from '../yuv420.js';
import { AtomicFile } from '../results/atomic-file.js';

export interface EncoderOptions {
  /** Frame width in pixels (odd sizes are padded by one pixel: yuv420p needs even sizes). */
  width: number;
  height: number;
  /** x264 preset. @default 'veryfast' */
  preset?: string;
  /** x264 constant rate factor (0–51, lower is better). @default 23 */
  crf?: number;
  /**
   * Copy audio from this source (aac and mp3 are copied, anything else becomes AAC), trimmed to
   * the video's duration; `startMs` (a segment's first PTS) starts it later in the source, and
   * then it is re-encoded to AAC to start on the sample. Skipped, with a log line, for live or
   * unreadable sources.
   * @default undefined (no audio)
   */
  audio?: { source: string; codec: string | null; startMs?: number };
  /** Rate for an output of a single frame (no span to measure). @default 25 */
  fps?: number | string;
  /** Directory for the intermediate files. @default os.tmpdir() */
  tmpDir?: string;
  /**
   * Where the encoded stream (step a) goes: raw H.264 that ffmpeg flushes as it goes and that
   * survives a SIGKILL of this process (ffmpeg drains its pipe and exits), so a later run can
   * mux it ({@link VideoEncoder.fromRaw}). Removed once the MP4 is written or on abort.
   * @default a file in the temporary directory
   */
  rawPath?: string;
  /** Where to log skipped audio and fallbacks. @default the core logger */
  logger?: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void };
  /** Limit for each of the finishing ffmpeg runs. @default 600000 */
  finishTimeoutMs?: number;
}

export interface EncoderTiming {
  /** Frames the caller wrote (checked against the count written). */
  frames?: number;
  /** Source PTS of the first and last frame written, in ms. */
  firstPtsMs: number | null;
  lastPtsMs: number | null;
  /** Container duration of the source, used only when there is no span (one frame). */
  sourceDurationMs?: number | null;
}

export interface EncodeResult {
  output: string;
  frames: number;
  /** Output frame rate, e.g. "30000/1001". */
  rate: string;
  /** frames / rate, in ms. */
  durationMs: number;
  audio: 'copy' | 'aac' | 'none';
  /** Why the source audio was not carried over, if it was asked for. */
  audioSkipped?: string;
  bytes: number;
}

/** Timestamps of frames written in (a): any rate works, it is replaced in (b)/(c). */
const PROVISIONAL_RATE = '25';

export class VideoEncoder {
  readonly output: string;
  private readonly o: EncoderOptions & { preset: string; crf: number };
  private readonly frameBytes: number;
  private readonly log: NonNullable<EncoderOptions['logger']>;

  private tmpDir: string | null = null;
  private child: ChildProcess | null = null;
  private closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }> | null = null;
  private readonly tail = new StderrTail(40);
  private written = 0;
  private failure: MediaError | null = null;
  private state: 'idle' | 'encoding' | 'finishing' | 'done' | 'aborted' = 'idle';
  private readonly abortCtl = new AbortController();
  private partialOut: AtomicFile | null = null;

  constructor(output: string, opts: EncoderOptions) {
    if (!(Number.isInteger(opts.width) && opts.width > 0 && Number.isInteger(opts.height) && opts.height > 0)) {
      throw new RangeError(`invalid frame size ${opts.width}x${opts.height}`);
    }
    this.output = path.resolve(output);
    this.o = { ...opts, preset: opts.preset ?? 'veryfast', crf: opts.crf ?? 23 };
    this.frameBytes = yuv420Size(opts.width, opts.height);
    this.log = opts.logger ?? rootLog;
  }

  /**
   * Muxes a raw H.264 stream an earlier encoder left behind (it was killed) into `output`, keeping
   * at most `maxFrames` frames; the raw file is removed once the MP4 is written.
   */
  static async fromRaw(rawPath: string, output: string, opts: EncoderOptions, maxFrames: number, t: EncoderTiming): Promise<EncodeResult> {
    const enc = new VideoEncoder(output, { ...opts, rawPath });
    const frames = Math.min(maxFrames, await countRawFrames(rawPath));
    if (frames === 0) throw new MediaError('ENCODE_FAILED', `cannot recover '${output}': '${rawPath}' holds no frame`);
    enc.tmpDir = mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'segstream-enc-'));
    enc.written = frames;
    enc.state = 'finishing';
    try {
      const r = await enc.mux(frames, t, frames);
      enc.state = 'done';
      return r;
    } finally {
      if ((enc.state as string) !== 'done') enc.state = 'done';
      enc.cleanup();
    }
  }

  /** The encoding ffmpeg's pid, once the first frame started it. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Frames written so far. */
  get frames(): number {
    return this.written;
  }

  /**
   * Appends one I420 frame (src/core/yuv420.ts). Resolves once ffmpeg has taken the bytes (so the caller may
   * reuse the buffer, and a slow encoder slows the caller: back-pressure).
   */
  async write(yuv: Uint8Array): Promise<void> {
    if (this.state === 'aborted') throw new MediaError('ENCODE_FAILED', `encoding '${this.output}' was aborted`);
    if (this.state === 'finishing' || this.state === 'done') throw new Error('VideoEncoder.write() after finish()');
    if (yuv.length !== this.frameBytes) {
      throw new RangeError(`frame has ${yuv.length} bytes, expected ${this.frameBytes} (${this.o.width}x${this.o.height} yuv420p)`);
    }
    if (this.failure) throw this.failure;
    if (this.state === 'idle') this.start();
    const stdin = this.child!.stdin!;
    await new Promise<void>((resolve, reject) => {
      stdin.write(yuv, (err) => {
        if (!err) {
          resolve();
          return;
        }
        // EPIPE: ffmpeg died; its stderr explains why once it has closed.
        void this.closed!.then(() =>
          reject(
            this.state === 'aborted'
              ? new MediaError('ENCODE_FAILED', `encoding '${this.output}' was aborted`)
              : (this.failure ?? this.encodeError(`write failed (${err.message})`)),
          ),
        );
      });
    });
    this.written++;
  }

  /** Ends the stream, times it from the PTS span and muxes the MP4 (with audio). */
  async finish(t: EncoderTiming): Promise<EncodeResult> {
    if (this.state === 'aborted') throw new MediaError('ENCODE_FAILED', `encoding '${this.output}' was aborted`);
    if (this.state === 'finishing' || this.state === 'done') throw new Error('VideoEncoder.finish() called twice');
    if (this.failure) throw this.failure;
    if (this.written === 0) throw new MediaError('ENCODE_FAILED', `cannot write '${this.output}': no frames were written`);
    this.state = 'finishing';
    try {
      if (t.frames !== undefined && t.frames !== this.written) {
        this.log.warn(`encoder: told ${t.frames} frames, ${this.written} were written; timing uses ${this.written}`);
      }
      this.child!.stdin!.end();
      const { code, signal } = await this.closed!;
      if (this.failure) throw this.failure;
      if (code !== 0) throw this.encodeError(`x264 ${code !== null ? `exit code ${code}` : `killed by ${signal}`}`);

      const r = await this.mux(this.written, t);
      this.state = 'done';
      return r;
    } catch (e) {
      if ((this.state as string) !== 'aborted') this.state = 'done';
      throw e;
    } finally {
      this.cleanup();
    }
  }

  /**
   * Ends ffmpeg's input and leaves the raw stream at `rawPath` unmuxed, for {@link fromRaw}: what
   * a SIGKILL of this process leaves, without the wait. Nothing else is removed.
   */
  detach(): void {
    if (this.state !== 'encoding') return;
    this.state = 'finishing';
    this.child?.stdin?.end();
    if (this.tmpDir) rmSync(this.tmpDir, { recursive: true, force: true }); // empty: the stream is at rawPath
    this.tmpDir = null;
  }

  /** Kills ffmpeg and removes the intermediate and partial files. Idempotent. */
  abort(): void {
    if (this.state === 'done' || this.state === 'aborted') {
      this.cleanup();
      return;
    }
    this.state = 'aborted';
    this.abortCtl.abort();
    if (this.child) stopChild(this.child, 500);
    this.cleanup();
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Steps (b) and (c): `frames` frames of the raw stream, timed by `t`, into the output. */
  private async mux(frames: number, t: EncoderTiming, trimTo?: number): Promise<EncodeResult> {
    const rate = this.rateFor(frames, t);
    const rateStr = rateToString(rate);
    const durationS = (frames * rate[1]) / rate[0];
    const tmp = this.tmpDir!;
    const limit = this.o.finishTimeoutMs ?? 600_000;

    // (b) VUI timing = the real rate (time_scale / num_units_in_tick = 2 × frame rate).
    await runFfmpeg(
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-f', 'h264', '-i', this.rawFile,
        '-c', 'copy', ...(trimTo !== undefined ? ['-frames:v', String(trimTo)] : []), '-bsf:v', `h264_metadata=tick_rate=${2 * rate[0]}/${rate[1]}`, '-f', 'h264', path.join(tmp, 'b.h264')],
      limit, `cannot retime '${this.output}'`, undefined, this.abortCtl.signal,
    );

    // (c) mux, with audio when it can be had.
    const audio = await this.audioPlan(durationS);
    mkdirSync(path.dirname(this.output), { recursive: true });
    this.partialOut = new AtomicFile(this.output);
    const mux = async (withAudio: boolean) => {
      const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
        '-f', 'h264', '-r', rateStr, '-i', path.join(tmp, 'b.h264')];
      if (withAudio && audio.args) args.push(...audio.args);
      args.push('-map', '0:v:0');
      if (withAudio && audio.args) args.push('-map', '1:a:0', '-c:a', ...(audio.mode === 'copy' ? ['copy'] : ['aac', '-b:a', '160k']));
      args.push('-c:v', 'copy', '-movflags', '+faststart', '-f', 'mp4', this.partialOut!.tmpPath);
      await runFfmpeg(args, limit, `cannot write '${this.output}'`, undefined, this.abortCtl.signal);
    };
    let audioMode: EncodeResult['audio'] = audio.args ? audio.mode : 'none';
    let audioSkipped = audio.skipped;
    try {
      await mux(audio.args !== null);
    } catch (e) {
      if (audio.args === null || this.abortCtl.signal.aborted || !(e instanceof FfmpegRunError)) throw e;
      audioSkipped = `audio could not be muxed (${lastErrorLine(e.tail) ?? e.message})`;
      this.log.warn(`encoder: ${audioSkipped}; writing video only`, { output: this.output });
      audioMode = 'none';
      await mux(false);
    }
    this.partialOut.commit();
    this.partialOut = null;
    return {
      output: this.output,
      frames,
      rate: rateStr,
      durationMs: durationS * 1000,
      audio: audioMode,
      ...(audioSkipped !== undefined ? { audioSkipped } : {}),
      bytes: statSync(this.output).size,
    };
  }


  private start(): void {
    this.state = 'encoding';
    const bin = ffmpegPath();
    this.tmpDir = mkdtempSync(path.join(this.o.tmpDir ?? os.tmpdir(), 'segstream-enc-'));
    const { width: w, height: h } = this.o;
    const filters: string[] = [];
    if (w % 2 || h % 2) filters.push('pad=ceil(iw/2)*2:ceil(ih/2)*2');
    const args = [
      '-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-framerate', PROVISIONAL_RATE, '-i', 'pipe:0',
      ...(filters.length ? ['-vf', filters.join(',')] : []),
      '-c:v', 'libx264', '-preset', this.o.preset, '-crf', String(this.o.crf), '-bf', '0',
      '-pix_fmt', 'yuv420p', '-f', 'h264', this.rawFile,
    ];
    const { child, closed } = spawnTracked(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] }, pipelineNiceness());
    this.child = child;
    this.closed = closed;
    child.stdin!.on('error', () => undefined); // EPIPE is reported through write()'s callback
    const lines = new LineSplitter();
    child.stderr!.setEncoding('latin1');
    child.stderr!.on('data', (s: string) => lines.push(s).forEach((l) => this.tail.push(l)));
    void closed.then(({ code, signal, spawnError }) => {
      lines.flush().forEach((l) => this.tail.push(l));
      if (this.state === 'aborted') return;
      if (spawnError) this.failure = new MediaError('FFMPEG_MISSING', `cannot start ffmpeg to write '${this.output}': ${spawnError.message}`);
      else if (code !== 0 && this.state === 'encoding') {
        this.failure = this.encodeError(`x264 ${code !== null ? `exit code ${code}` : `killed by ${signal}`}`);
      }
    });
  }

  private get rawFile(): string {
    return this.o.rawPath ?? path.join(this.tmpDir!, 'a.h264');
  }

  private encodeError(what: string): MediaError {
    const last = lastErrorLine(this.tail.text()) ?? this.tail.all().at(-1);
    return new MediaError('ENCODE_FAILED', `cannot write '${this.output}': ${what}${last ? `: ${last}` : ''}`, {
      detail: this.tail.text(),
    });
  }

  private rateFor(frames: number, t: EncoderTiming): Rational {
    if (frames >= 2 && t.firstPtsMs !== null && t.lastPtsMs !== null) {
      const spanUs = Math.round((t.lastPtsMs - t.firstPtsMs) * 1000);
      if (spanUs > 0) return rateFromSpan(frames, spanUs);
      this.log.warn(`encoder: first and last PTS are equal; using the nominal rate`);
    }
    if (frames === 1 && t.sourceDurationMs && t.sourceDurationMs > 0 && this.o.fps === undefined) {
      return rateFromNominal(1000 / t.sourceDurationMs);
    }
    return rateFromNominal(this.o.fps ?? 25);
  }

  /** Input options for the audio source, or why there is none. */
  private async audioPlan(durationS: number): Promise<{ args: string[] | null; mode: 'copy' | 'aac'; skipped?: string }> {
    const a = this.o.audio;
    if (!a) return { args: null, mode: 'copy' };
    const skip = (why: string) => {
      this.log.warn(`encoder: no audio in the output: ${why}`, { output: this.output });
      return { args: null, mode: 'copy' as const, skipped: why };
    };
    let spec;
    try {
      spec = classifySource(a.source);
      if (spec.live === true) return skip(`source '${spec.display}' is live`);
      validateSource(spec);
    } catch (e) {
      return skip(`source '${a.source}' is not readable (${(e as Error).message})`);
    }
    let resolved;
    try {
      resolved = await resolveForFfmpeg(spec, spec.kind !== 'file' && ffmpegCaps().staticBuild);
    } catch (e) {
      return skip((e as Error).message);
    }
    const codec = (a.codec ?? '').toLowerCase();
    // A copy starting mid-file would begin at the video keyframe the demuxer seeks to, early by up
    // to a GOP; decoding trims it to the sample (ffmpeg's accurate seek), so a later start re-encodes.
    const mode = (codec === 'aac' || codec === 'mp3') && !a.startMs ? 'copy' : 'aac';
    const start = a.startMs ? ['-ss', (a.startMs / 1000).toFixed(6)] : [];
    const args = [...inputArgs(spec), ...resolved.extraArgs, ...start, '-t', durationS.toFixed(6), '-i', resolved.ffmpegInput];
    return { args, mode };
  }

  private cleanup(): void {
    if (this.partialOut) {
      this.partialOut.abort();
      this.partialOut = null;
    }
    if (this.tmpDir) {
      rmSync(this.tmpDir, { recursive: true, force: true });
      this.tmpDir = null;
    }
    if (this.o.rawPath && (this.state === 'done' || this.state === 'aborted')) rmSync(this.o.rawPath, { force: true });
  }
}

/** Frames in a raw H.264 stream (a copy to the null muxer counts them). */
export async function countRawFrames(rawPath: string): Promise<number> {
  let frames = 0;
  await runFfmpeg(['-nostdin', '-hide_banner', '-loglevel', 'info', '-stats', '-f', 'h264', '-i', rawPath, '-c', 'copy', '-f', 'null', '-'],
    120_000, `cannot read '${rawPath}'`, (line) => {
      for (const m of line.matchAll(/frame=\s*(\d+)/g)) frames = Number(m[1]);
      return true;
    });
  return frames;
}
