/**
 * One ffmpeg child decoding one source to I420 (yuv420p) frames on stdout, the pipeline's frame
 * format (src/core/yuv420.ts):
 *
 *   ffmpeg -nostdin -hide_banner -nostats -loglevel info <input args> -i SRC -map 0:v:0
 *     -vf "[fps=N,]settb=AVTB,showinfo=checksum=0" -vsync passthrough [-frames:v M]
 *     -f rawvideo -pix_fmt yuv420p pipe:1
 *
 * `maxFrames` is `-frames:v` (frames ffmpeg decodes) for files; for live sources and in
 * `dropOldest` mode, where decoded frames may be dropped here, it counts the frames handed to the
 * consumer instead, and ffmpeg is stopped once that many have been.
 *
 * Each frame's PTS is the source's: `settb=AVTB` puts it in microseconds, and the `showinfo` line
 * (`n: K pts: P`) on stderr carries it exactly (its pts_time is rounded to 6 digits: unused;
 * checksum=0 spares the per-frame plane checksums, ~1 ms of CPU per 720p frame).
 * stdout and stderr arrive independently, so frames and PTS are each queued until both are there.
 * Frame size comes from the `Output #0` rawvideo stream line (after autorotation).
 *
 * Back-pressure: stdout is paused while `bufferFrames` frames wait for the consumer, so ffmpeg
 * blocks instead of the video piling up in memory. A watchdog kills ffmpeg when no frame data
 * arrives for `stallTimeoutMs` while we are waiting for it (time spent paused does not count).
 */
import type { ChildProcess } from 'node:child_process';
import type { StreamEnd, StreamInfo } from '../types.js';
import { describeFailure, HeaderParser, LineSplitter, parseShowinfo, StderrTail } from './ffmpeg-log.js';
import { ffmpegCaps, ffmpegPath } from './ffmpeg-path.js';
import type { FramePool } from './frame-pool.js';
import { MediaError } from './media-error.js';
import { pipelineNiceness } from '../priority.js';
import { isRunning, spawnTracked, stopChild } from './process.js';
import { classifySource, inputArgs, resolveForFfmpeg, validateSource, type SourceSpec } from './source.js';
import { yuv420Size } from '../yuv420.js';

export interface DecoderOptions {
  /** Resample to this constant rate (ffmpeg `fps` filter). Default: every source frame. */
  fps?: number;
  /**
   * Stop after this many frames handed to the consumer. Enforced by ffmpeg (`-frames:v`) for
   * non-live sources without `dropOldest`; otherwise (frames may be dropped after decoding) here,
   * by stopping ffmpeg once this many frames have been delivered. Default: all.
   */
  maxFrames?: number;
  /**
   * Kill ffmpeg and fail with a `STALLED` MediaError when no frame arrives for this long while the
   * consumer is waiting. Also used as the network I/O timeout (rtsp `-stimeout`, http
   * `-rw_timeout`). Default 20000.
   */
  stallTimeoutMs?: number;
  /** RTSP lower transport. Default 'tcp'. */
  rtspTransport?: 'tcp' | 'udp';
  /** Decoded frames held ahead of the consumer before ffmpeg is paused. Default 2. */
  bufferFrames?: number;
  /**
   * For live sources: never pause ffmpeg (a paused RTSP/UDP reader loses or stalls the stream);
   * when more than `bufferFrames` frames wait for the consumer, drop the oldest. Dropped frames
   * get no seq (seq stays contiguous) and are counted in `stats().dropped` / `end().dropped`.
   * Default false (back-pressure: every frame is delivered).
   */
  dropOldest?: boolean;
  /** SIGTERM → SIGKILL grace when closing. Default 1000 ms. */
  killGraceMs?: number;
  /**
   * Take frame buffers from this pool (give them back when done with a frame) instead of
   * allocating one per frame. Frames dropped here go back to it. Default: a new buffer per frame.
   */
  pool?: FramePool;
}

export interface DecodedFrame {
  /** 0, 1, 2... in output order. */
  seq: number;
  /** Source presentation time in ms (µs precision, may be fractional). */
  ptsMs: number;
  width: number;
  height: number;
  /** I420, `yuv420Size(width, height)` bytes, its own buffer (safe to keep unless it came from `pool`). */
  yuv: Buffer;
}

/** {@link StreamEnd} plus how decoding ended. */
export interface DecoderEnd extends StreamEnd {
  /** 'eof': the input ended; 'maxFrames': the limit was reached; 'closed': close()/break;
   *  'stalled': the watchdog fired; 'error': ffmpeg failed; 'running': not finished yet. */
  reason: 'eof' | 'maxFrames' | 'closed' | 'stalled' | 'error' | 'running';
  /** Frames decoded but dropped because the consumer was behind (dropOldest only). */
  dropped: number;
  /**
   * Live sources: frames discarded because their PTS was not after the previous frame's (frames
   * ffmpeg mis-timed while it synchronised the stream's clock). Not counted in `dropped`.
   */
  misTimed: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

type Waiter = { resolve: (r: IteratorResult<DecodedFrame>) => void; reject: (e: unknown) => void };

export class VideoDecoder {
  readonly source: string;
  readonly streamId: string;
  private readonly opts: Required<Omit<DecoderOptions, 'fps' | 'maxFrames' | 'pool'>> &
    Pick<DecoderOptions, 'fps' | 'maxFrames' | 'pool'>;

  private spec: SourceSpec | null = null;
  private child: ChildProcess | null = null;
  private started = false;
  private iterating = false;
  private finished = false;
  private closedByUser = false;
  private staticBuild = false;

  private readonly header = new HeaderParser();
  private readonly tail = new StderrTail(80);
  private readonly lines = new LineSplitter();
  private sawPartialFile = false;

  private frameSize = 0;
  private width = 0;
  private height = 0;
  private earlyChunks: Buffer[] = [];
  private cur: Buffer | null = null;
  private curFill = 0;
  private rawFrames: Buffer[] = [];
  private ptsQueue: (number | null)[] = [];
  private ready: { yuv: Buffer; ptsMs: number }[] = [];
  private waiters: Waiter[] = [];

  /** Frames handed to the consumer. */
  private produced = 0;
  /** Frames ffmpeg wrote (delivered, waiting, or dropped). */
  private decoded = 0;
  private dropped = 0;
  private misTimed = 0;
  private firstDecodedPtsMs: number | null = null;
  private lastDecodedPtsMs: number | null = null;
  /** Added to every PTS of a live source after a large backward jump (see emit()). */
  private ptsOffsetMs = 0;
  /** maxFrames when enforced here on delivered frames (see DecoderOptions.maxFrames), else null. */
  private deliverLimit: number | null = null;
  /** Set once `deliverLimit` frames have been delivered: ffmpeg is being stopped. */
  private limitReached = false;
  private firstPtsMs: number | null = null;
  private lastPtsMs: number | null = null;
  private pausedForConsumer = false;
  private pausedForHeader = false;
  private lastProgress = 0;
  private watchdog: NodeJS.Timeout | null = null;

  /** Error that ends iteration with a throw (no frame decoded, or stalled). */
  private fatal: MediaError | null = null;
  private fatalThrown = false;
  /** Why decoding stopped early, reported by end(). */
  private endError: string | undefined;
  private reason: DecoderEnd['reason'] = 'running';
  private exitCode: number | null = null;
  private signal: NodeJS.Signals | null = null;

  private infoPromise: Promise<StreamInfo> | null = null;
  private infoResolve: ((i: StreamInfo) => void) | null = null;
  private infoReject: ((e: unknown) => void) | null = null;
  private infoValue: StreamInfo | null = null;

  constructor(source: string, streamId: string, opts: DecoderOptions = {}) {
    this.source = source;
    this.streamId = streamId;
    if (opts.fps !== undefined && !(opts.fps > 0 && Number.isFinite(opts.fps))) {
      throw new RangeError(`fps must be a positive number, got ${opts.fps}`);
    }
    if (opts.maxFrames !== undefined && !(Number.isInteger(opts.maxFrames) && opts.maxFrames >= 1)) {
      throw new RangeError(`maxFrames must be a positive integer, got ${opts.maxFrames}`);
    }
    this.opts = {
      fps: opts.fps,
      maxFrames: opts.maxFrames,
      stallTimeoutMs: opts.stallTimeoutMs ?? 20_000,
      rtspTransport: opts.rtspTransport ?? 'tcp',
      bufferFrames: Math.max(1, opts.bufferFrames ?? 2),
      dropOldest: opts.dropOldest ?? false,
      killGraceMs: opts.killGraceMs ?? 1000,
      pool: opts.pool,
    };
  }

  /** Resolves once ffmpeg has printed the stream header; rejects with a MediaError on bad input. */
  info(): Promise<StreamInfo> {
    if (!this.infoPromise) {
      this.infoPromise = new Promise<StreamInfo>((resolve, reject) => {
        this.infoResolve = resolve;
        this.infoReject = reject;
      });
      this.infoPromise.catch(() => undefined); // also surfaced through frames()
      if (this.infoValue) this.infoResolve!(this.infoValue);
      else if (this.finished) this.infoReject!(this.fatal ?? this.noHeaderError());
      this.start();
    }
    return this.infoPromise;
  }

  /** The frames, in order. Iterate once; breaking out (or `return()`) kills ffmpeg. */
  frames(): AsyncIterableIterator<DecodedFrame> {
    if (this.iterating) throw new Error('VideoDecoder.frames() can only be iterated once');
    this.iterating = true;
    this.start();
    const it: AsyncIterableIterator<DecodedFrame> = {
      next: () => this.pull(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  /** Summary of what was decoded; final once iteration has ended. */
  end(): DecoderEnd {
    return {
      frames: this.produced,
      firstPtsMs: this.firstPtsMs,
      lastPtsMs: this.lastPtsMs,
      ...(this.endError !== undefined ? { error: this.endError } : {}),
      reason: this.reason,
      dropped: this.dropped,
      misTimed: this.misTimed,
      exitCode: this.exitCode,
      signal: this.signal,
    };
  }

  /** Kills ffmpeg (SIGTERM, SIGKILL after a grace period). Idempotent; safe before start. */
  close(): void {
    if (!this.finished) this.closedByUser = true;
    this.ready.length = 0; // free the frames nobody will take
    this.rawFrames.length = 0;
    if (this.child) {
      stopChild(this.child, this.opts.killGraceMs);
    } else if (!this.finished) {
      this.finish(); // never spawned (or still resolving a host name)
    }
  }

  /**
   * Diagnostics: frames decoded but not yet taken by the consumer, PTS lines received ahead of
   * their frame bytes (how far ffmpeg ran ahead), and whether stdout is paused for the consumer.
   */
  stats(): { buffered: number; ptsAhead: number; paused: boolean; dropped: number } {
    return {
      buffered: this.ready.length + this.rawFrames.length,
      ptsAhead: this.ptsQueue.length,
      paused: this.pausedForConsumer,
      dropped: this.dropped,
    };
  }

  /** The ffmpeg child's pid while it runs (tests, diagnostics). */
  get pid(): number | undefined {
    return this.child && isRunning(this.child) ? this.child.pid : undefined;
  }

  // ---- startup -------------------------------------------------------------------------------

  private start(): void {
    if (this.started) return;
    this.started = true;
    let bin: string;
    try {
      this.spec = classifySource(this.source);
      validateSource(this.spec);
      bin = ffmpegPath();
      this.staticBuild = this.spec.kind !== 'file' && ffmpegCaps(bin).staticBuild;
    } catch (e) {
      this.fail(e);
      return;
    }
    const spec = this.spec;
    // Frames can be dropped after ffmpeg decoded them (dropOldest; mis-timed live frames): then
    // `-frames:v` would yield fewer than maxFrames, so the limit is on delivered frames instead.
    const limitHere = this.opts.dropOldest || spec.live === true;
    if (this.opts.maxFrames !== undefined && limitHere) this.deliverLimit = this.opts.maxFrames;
    resolveForFfmpeg(spec, this.staticBuild).then(
      (resolved) => {
        if (this.finished) return; // closed meanwhile
        const caps = spec.kind === 'rtsp' ? ffmpegCaps(bin) : null;
        const args = [
          '-nostdin',
          '-hide_banner',
          '-nostats',
          '-loglevel',
          'info',
          ...inputArgs(spec, {
            rtspTransport: this.opts.rtspTransport,
            ioTimeoutMs: this.opts.stallTimeoutMs,
            rtspTimeoutOption: caps?.rtspTimeoutOption ?? 'stimeout',
          }),
          ...resolved.extraArgs,
          '-i',
          resolved.ffmpegInput,
          '-map',
          '0:v:0',
          '-vf',
          `${this.opts.fps !== undefined ? `fps=${this.opts.fps},` : ''}settb=AVTB,showinfo=checksum=0`,
          '-vsync',
          'passthrough',
          ...(this.opts.maxFrames !== undefined && this.deliverLimit === null
            ? ['-frames:v', String(this.opts.maxFrames)]
            : []),
          '-f',
          'rawvideo',
          '-pix_fmt',
          'yuv420p',
          'pipe:1',
        ];
        this.spawn(bin, args);
      },
      (e) => this.fail(e),
    );
  }

  private fail(e: unknown): void {
    this.fatal =
      e instanceof MediaError
        ? e
        : new MediaError('FFMPEG_FAILED', `cannot read input '${this.display()}': ${(e as Error)?.message ?? e}`);
    this.endError = this.fatal.message;
    this.reason = 'error';
    this.finish();
  }

  private display(): string {
    return this.spec?.display ?? this.source;
  }

  private spawn(bin: string, args: string[]): void {
    const { child, closed } = spawnTracked(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }, pipelineNiceness());
    this.child = child;
    this.lastProgress = Date.now();
    child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stdout!.on('error', () => undefined); // EPIPE/destroy after close()
    child.stderr!.setEncoding('latin1');
    child.stderr!.on('data', (text: string) => {
      for (const line of this.lines.push(text)) this.onStderrLine(line);
    });
    child.stderr!.on('error', () => undefined);
    const every = Math.max(50, Math.min(1000, this.opts.stallTimeoutMs / 5));
    this.watchdog = setInterval(() => this.checkStall(), every);
    this.watchdog.unref();
    void closed.then(({ code, signal, spawnError }) => this.onClose(code, signal, spawnError));
  }

  // ---- stderr ----------------------------------------------------------------------------------

  private onStderrLine(line: string): void {
    const si = parseShowinfo(line);
    if (si) {
      this.ptsQueue.push(si.pts);
      this.pair();
      return;
    }
    if (line.includes('Parsed_showinfo')) return; // colour/config lines of showinfo
    this.tail.push(line);
    if (line.includes('partial file') || line.includes('corrupt input packet')) this.sawPartialFile = true;
    this.header.feed(line);
    if (this.frameSize === 0 && this.header.outputSize) {
      this.width = this.header.outputSize.width;
      this.height = this.header.outputSize.height;
      this.frameSize = yuv420Size(this.width, this.height);
      // Connecting and probing are not frame gaps: a slow live source (5 fps) with a short
      // --stall-timeout must not stall on the time its header took.
      this.lastProgress = Date.now();
      this.resolveInfo();
      const early = this.earlyChunks;
      this.earlyChunks = [];
      for (const c of early) this.onStdout(c);
      if (this.pausedForHeader) {
        this.pausedForHeader = false;
        this.lastProgress = Date.now();
        if (!this.pausedForConsumer) this.child?.stdout?.resume();
        this.updateFlow();
      }
    }
  }

  private resolveInfo(): void {
    const h = this.header.input;
    const spec = this.spec!;
    const live = spec.live ?? h.durationMs === null;
    this.infoValue = {
      streamId: this.streamId,
      source: this.source,
      width: this.width,
      height: this.height,
      fps: this.opts.fps ?? h.fps,
      durationMs: live ? null : h.durationMs,
      hasAudio: h.hasAudio,
      audioCodec: h.audioCodec,
      live,
    };
    this.infoResolve?.(this.infoValue);
  }

  // ---- stdout ----------------------------------------------------------------------------------

  private onStdout(chunk: Buffer): void {
    this.lastProgress = Date.now();
    if (this.frameSize === 0) {
      // Size not parsed yet (stdout overtook stderr): hold the bytes, stop reading until it is.
      this.earlyChunks.push(chunk);
      if (!this.pausedForHeader) {
        this.pausedForHeader = true;
        this.child?.stdout?.pause();
      }
      return;
    }
    let off = 0;
    while (off < chunk.length) {
      if (!this.cur) {
        // allocUnsafeSlow: its own ArrayBuffer (never the shared pool), fully overwritten below.
        this.cur = this.opts.pool?.take(this.frameSize) ?? Buffer.allocUnsafeSlow(this.frameSize);
        this.curFill = 0;
      }
      const n = Math.min(this.frameSize - this.curFill, chunk.length - off);
      chunk.copy(this.cur, this.curFill, off, off + n);
      this.curFill += n;
      off += n;
      if (this.curFill === this.frameSize) {
        this.rawFrames.push(this.cur);
        this.cur = null;
        this.curFill = 0;
      }
    }
    this.pair();
  }

  /** Joins frames with their PTS (both FIFO, same order) and hands them out. */
  private pair(): void {
    while (this.rawFrames.length > 0 && this.ptsQueue.length > 0) {
      const yuv = this.rawFrames.shift()!;
      const pts = this.ptsQueue.shift()!;
      this.emit(yuv, pts === null ? null : pts / 1000);
    }
    this.updateFlow();
  }

  private emit(yuv: Buffer, ptsMs: number | null): void {
    if (this.limitReached) return; // decoded past maxFrames while ffmpeg is being stopped
    this.decoded++;
    const step = 1000 / (this.opts.fps ?? this.header.input.fps ?? 25);
    if (ptsMs === null) {
      // NOPTS (rare: some raw streams): continue from the last one at the nominal rate.
      ptsMs = this.lastDecodedPtsMs === null ? 0 : this.lastDecodedPtsMs + step;
    } else if (this.infoValue?.live) {
      // Live sources must have strictly increasing PTS: the encoder derives the output rate from
      // the first and last PTS (frames-1)/(last-first), and each frame is placed by its PTS.
      // ffmpeg can mis-time the first frames of a stream (RTSP: those buffered while probing,
      // before the RTCP sender report sets the clock: `0 -200 -160 ... -40 0 40 ...`).
      //  - a small step back (<= 1 s): drop the frame (counted in misTimed). The loss is bounded
      //    by the size of the step: the PTS pass the last kept one again within 1 s of stream;
      //  - a large step back (a clock reset mid-stream): re-base, i.e. shift this and every later
      //    PTS so that this frame comes one nominal frame after the last one kept, rather than
      //    dropping everything until the new clock catches up with the old one.
      ptsMs += this.ptsOffsetMs;
      const last = this.lastDecodedPtsMs;
      if (last !== null && ptsMs <= last) {
        if (last - ptsMs <= 1000) {
          this.misTimed++;
          return;
        }
        this.ptsOffsetMs += last + step - ptsMs;
        ptsMs = last + step;
      }
    }
    this.firstDecodedPtsMs ??= ptsMs;
    this.lastDecodedPtsMs = ptsMs;
    const w = this.waiters.shift();
    if (w) {
      w.resolve({ done: false, value: this.deliver(yuv, ptsMs) });
      return;
    }
    this.ready.push({ yuv, ptsMs });
    if (this.opts.dropOldest && this.ready.length > this.opts.bufferFrames) {
      const old = this.ready.shift()!;
      this.opts.pool?.give(old.yuv);
      this.dropped++;
    }
  }

  /** Numbers a frame as it is handed to the consumer (so seq stays contiguous across drops). */
  private deliver(yuv: Buffer, ptsMs: number): DecodedFrame {
    const frame: DecodedFrame = { seq: this.produced, ptsMs, width: this.width, height: this.height, yuv };
    this.produced++;
    this.firstPtsMs ??= ptsMs;
    this.lastPtsMs = ptsMs;
    if (this.deliverLimit !== null && this.produced >= this.deliverLimit) this.reachLimit();
    return frame;
  }

  /** maxFrames frames delivered (limit enforced here): stop ffmpeg, end the iteration. */
  private reachLimit(): void {
    if (this.limitReached) return;
    this.limitReached = true;
    this.reason = 'maxFrames';
    this.ready.length = 0;
    this.rawFrames.length = 0;
    this.ptsQueue.length = 0;
    for (const w of this.waiters.splice(0)) w.resolve({ done: true, value: undefined });
    if (this.child) stopChild(this.child, this.opts.killGraceMs);
  }

  /** Pauses ffmpeg's stdout while enough frames wait for the consumer; resumes when they don't. */
  private updateFlow(): void {
    const out = this.child?.stdout;
    if (!out || this.finished) return;
    const waiting = this.ready.length + this.rawFrames.length;
    if (waiting >= this.opts.bufferFrames && this.waiters.length === 0 && !this.opts.dropOldest) {
      if (!this.pausedForConsumer) {
        this.pausedForConsumer = true;
        out.pause();
      }
    } else if (this.pausedForConsumer) {
      this.pausedForConsumer = false;
      this.lastProgress = Date.now(); // paused time is the consumer's, not ffmpeg's
      if (!this.pausedForHeader) out.resume();
    }
  }

  // ---- consumer --------------------------------------------------------------------------------

  private pull(): Promise<IteratorResult<DecodedFrame>> {
    if (this.limitReached) return Promise.resolve({ done: true, value: undefined });
    const f = this.ready.shift();
    if (f) {
      this.updateFlow();
      return Promise.resolve({ done: false, value: this.deliver(f.yuv, f.ptsMs) });
    }
    if (this.finished) {
      if (this.fatal && !this.fatalThrown) {
        this.fatalThrown = true;
        return Promise.reject(this.fatal);
      }
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.updateFlow();
    });
  }

  // ---- watchdog & exit -------------------------------------------------------------------------

  private checkStall(): void {
    if (this.finished || !this.child || this.limitReached) return;
    if (this.pausedForConsumer) return;
    if (Date.now() - this.lastProgress <= this.opts.stallTimeoutMs) return;
    const s = Math.round(this.opts.stallTimeoutMs / 100) / 10;
    this.fatal = new MediaError('STALLED', `no frame from '${this.display()}' for ${s} s (stalled)`, {
      input: this.display(),
      detail: this.tail.text(),
    });
    this.endError = this.fatal.message;
    this.reason = 'stalled';
    stopChild(this.child, this.opts.killGraceMs);
  }

  /** The one-line error for an ffmpeg that exited on failure, from its stderr tail. */
  private exitFailure(code: number | null, signal: NodeJS.Signals | null): MediaError {
    return describeFailure({
      display: this.display(),
      isFile: this.spec?.kind === 'file',
      isHttp: this.spec?.kind === 'http',
      tail: this.tail.text(),
      code,
      signal,
      staticBuild: this.staticBuild,
    });
  }

  private noHeaderError(): MediaError {
    return new MediaError('NO_FRAMES', `cannot read input '${this.display()}': no frame decoded`, {
      input: this.display(),
      detail: this.tail.text(),
    });
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    this.exitCode = code;
    this.signal = signal;
    for (const line of this.lines.flush()) this.onStderrLine(line);
    // PTS lines without stdout bytes are frames ffmpeg filtered but did not write (the one past
    // -frames:v); frames without a PTS line should not happen, but keep them rather than drop.
    while (this.rawFrames.length > 0) this.emit(this.rawFrames.shift()!, null);
    const partialBytes = this.cur ? this.curFill : 0;
    this.cur = null;

    if (this.limitReached) {
      this.reason = 'maxFrames'; // we stopped ffmpeg: its exit status says nothing
    } else if (this.reason === 'stalled') {
      // fatal already set; frames before the stall were delivered
    } else if (this.closedByUser) {
      this.reason = 'closed';
    } else if (spawnError) {
      this.fail(
        new MediaError('FFMPEG_MISSING', `cannot start ffmpeg for '${this.display()}': ${spawnError.message}`, {
          input: this.display(),
        }),
      );
      return;
    } else if (this.decoded === 0) {
      this.reason = 'error';
      this.fatal =
        code === 0 && this.frameSize > 0
          ? this.noHeaderError()
          : this.exitFailure(code, signal);
      this.endError = this.fatal.message;
    } else if (code !== 0) {
      this.reason = 'error';
      this.endError = this.exitFailure(code, signal).message;
    } else if (this.sawPartialFile || partialBytes > 0) {
      this.reason = 'error';
      const dur = this.header.input.durationMs;
      const last = this.lastDecodedPtsMs;
      const upTo =
        last !== null && dur !== null ? `, up to ${(last / 1000).toFixed(2)} s of ${(dur / 1000).toFixed(2)} s` : '';
      this.endError = `input '${this.display()}' is truncated or corrupt (partial file): decoded ${this.decoded} frame(s)${upTo}`;
    } else if (this.opts.maxFrames !== undefined && this.deliverLimit === null && this.decoded >= this.opts.maxFrames) {
      this.reason = 'maxFrames';
    } else if (this.spec?.kind === 'rtsp' && this.rtspCutShort()) {
      // ffmpeg 4.1 exits 0 when the RTSP server closes the connection (it died, or stopped
      // sending): without this the run would end as if the stream had ended.
      this.reason = 'error';
      this.endError = this.rtspCutShortMessage();
    } else {
      this.reason = 'eof';
    }
    this.finish();
  }

  /**
   * Whether an RTSP stream that ffmpeg read to its end (exit 0, maxFrames not reached) was cut
   * short: always for a live stream (no duration: it has no end), and for a VOD clip when the last
   * frame is well before the duration the server advertised (more than 2 frames + 300 ms). A
   * complete clip ends cleanly.
   */
  private rtspCutShort(): boolean {
    const dur = this.header.input.durationMs;
    const last = this.lastDecodedPtsMs;
    // (info().live is true for every RTSP input; the header's duration tells a VOD clip.)
    if (dur === null || last === null) return true;
    const frameMs = 1000 / (this.opts.fps ?? this.header.input.fps ?? 25);
    return last < dur - (2 * frameMs + 300);
  }

  /** Says where the stream stopped in seconds, not frames: the frame count is the caller's to give
   *  (frames delivered, which the CLI prints, differ from frames decoded when some were dropped). */
  private rtspCutShortMessage(): string {
    const dur = this.header.input.durationMs;
    const first = this.firstDecodedPtsMs;
    const last = this.lastDecodedPtsMs;
    let where = '';
    if (last !== null && dur !== null) {
      where = ` at ${(last / 1000).toFixed(2)} s of ${(dur / 1000).toFixed(2)} s`;
    } else if (first !== null && last !== null) {
      where = ` after ${((last - first) / 1000).toFixed(2)} s of live video`;
    }
    return `the RTSP server closed the connection${where} (input '${this.display()}')`;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.reason === 'running') this.reason = this.closedByUser ? 'closed' : 'eof';
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    if (!this.infoValue) this.infoReject?.(this.fatal ?? this.noHeaderError());
    // Wake waiters: the first gets the fatal error (if any), the rest end.
    for (const w of this.waiters.splice(0)) {
      if (this.fatal && !this.fatalThrown) {
        this.fatalThrown = true;
        w.reject(this.fatal);
      } else {
        w.resolve({ done: true, value: undefined });
      }
    }
  }
}
