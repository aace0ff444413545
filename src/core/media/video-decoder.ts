/**
 * One ffmpeg child decoding one source to I420 (yuv420p) frames on stdout, the pipeline's frame
 * format (src/core/yuv420.ts); the command line is in ffmpeg-args.ts. Reopening a live source that
 * went away is the source supervisor's (source-supervisor.ts), not this class's.
 *
 * `maxFrames` is `-frames:v` (frames ffmpeg decodes) for files; for live sources and in
 * `dropOldest` mode, where decoded frames may be dropped here, it counts the frames handed to the
 * consumer instead, and ffmpeg is stopped once that many have been.
 *
 * Each frame's PTS is the source's, from its `showinfo` line (`n: K pts: P`, microseconds) on
 * stderr; live sources' PTS go through a LivePts (live-pts.ts). stdout and stderr arrive
 * independently, so frames (raw-frame-reader.ts) and PTS are each queued until both are there.
 * Frame size comes from the `Output #0` rawvideo stream line (after autorotation).
 *
 * Back-pressure: stdout is paused while `bufferFrames` frames wait for the consumer, so ffmpeg
 * blocks instead of the video piling up in memory. A watchdog kills ffmpeg when no frame data
 * arrives for `stallTimeoutMs` while we are waiting for it (time spent paused does not count).
 * How it ended is decoder-exit.ts's to tell.
 */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { StreamEnd, StreamInfo } from '../types.js';
import { decoderArgs } from './ffmpeg-args.js';
import { HeaderParser, LineSplitter, parseShowinfo, StderrTail } from './ffmpeg-log.js';
import { ffmpegCaps, ffmpegPath } from './ffmpeg-path.js';
import { FrameBuffer } from './frame-buffer.js';
import type { FramePool } from './frame-pool.js';
import { classifyDecoderExit, noFramesError, type DecoderEndReason } from './decoder-exit.js';
import { LivePts } from './live-pts.js';
import { fileExifOrientation, orientationFilter } from './exif-orientation.js';
import { MediaError } from './media-error.js';
import { pipelineNiceness } from '../priority.js';
import { isRunning, spawnTracked, stopChild } from './process.js';
import { RawFrameReader } from './raw-frame-reader.js';
import { classifySource, resolveForFfmpeg, validateSource, type SourceSpec } from './source.js';
import { yuv420Size } from '../yuv420.js';

export interface DecoderOptions {
  /** Resample to this constant rate (ffmpeg `fps` filter). @defaultValue undefined (every source frame) */
  fps?: number;
  /**
   * Stop after this many frames handed to the consumer. Enforced by ffmpeg (`-frames:v`) for
   * non-live sources without `dropOldest`; otherwise (frames may be dropped after decoding) here,
   * by stopping ffmpeg once this many frames have been delivered. @defaultValue undefined (all)
   */
  maxFrames?: number;
  /**
   * Kill ffmpeg and fail with a `STALLED` MediaError when no frame arrives for this long while the
   * consumer is waiting. Also used as the network I/O timeout (rtsp `-stimeout`, http
   * `-rw_timeout`). @defaultValue 20000
   */
  stallTimeoutMs?: number;
  /** RTSP lower transport. @defaultValue 'tcp' */
  rtspTransport?: 'tcp' | 'udp';
  /** Decoded frames held ahead of the consumer before ffmpeg is paused. @defaultValue 2 */
  bufferFrames?: number;
  /**
   * For live sources: never pause ffmpeg (a paused RTSP/UDP reader loses or stalls the stream);
   * when more than `bufferFrames` frames wait for the consumer, drop the oldest. Dropped frames
   * get no seq (seq stays contiguous) and are counted in `stats().dropped` / `end().dropped`.
   * @defaultValue false (back-pressure: every frame is delivered)
   */
  dropOldest?: boolean;
  /** SIGTERM → SIGKILL grace when closing. @defaultValue 1000 */
  killGraceMs?: number;
  /**
   * Take frame buffers from this pool (give them back when done with a frame) instead of
   * allocating one per frame. Frames dropped here go back to it. @defaultValue undefined (a new buffer per frame)
   */
  pool?: FramePool;
  /** Seq of the first frame (a reopened source goes on counting). @defaultValue 0 */
  firstSeq?: number;
  /**
   * The live PTS normaliser, shared by every decoder a supervisor opens on one source so that PTS
   * go on increasing across reconnects. @defaultValue a new one
   */
  livePts?: LivePts;
}

export interface DecodedFrame {
  /** firstSeq, firstSeq + 1... in output order. */
  seq: number;
  /** Source presentation time in ms (µs precision, may be fractional). */
  ptsMs: number;
  width: number;
  height: number;
  /** I420, `yuv420Size(width, height)` bytes, its own buffer (safe to keep unless it came from `pool`). */
  yuv: Buffer;
  /** Wall clock (ms since the epoch) when ffmpeg handed it over: where frame latency starts. */
  arrivedAtMs: number;
}

/** {@link StreamEnd} plus how decoding ended. */
export interface DecoderEnd extends StreamEnd {
  /** 'eof': the input ended; 'maxFrames': the limit was reached; 'closed': close()/break;
   *  'stalled': the watchdog fired; 'error': ffmpeg failed; 'running': not finished yet. */
  reason: DecoderEndReason;
  /** Frames decoded but dropped because the consumer was behind (dropOldest only). */
  dropped: number;
  /**
   * Live sources: frames discarded because their PTS was not after the previous frame's (frames
   * ffmpeg mis-timed while it synchronised the stream's clock). Not counted in `dropped`.
   */
  misTimed: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Reopening the source may bring frames again (a live source lost, stalled or ended). */
  retryable: boolean;
}

type Waiter = { resolve: (r: IteratorResult<DecodedFrame>) => void; reject: (e: unknown) => void };

export class VideoDecoder {
  readonly source: string;
  readonly streamId: string;
  private readonly opts: Required<Omit<DecoderOptions, 'fps' | 'maxFrames' | 'pool' | 'livePts'>> &
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
  private readonly reader: RawFrameReader;
  private readonly ready: FrameBuffer;
  private readonly livePts: LivePts;
  private sawPartialFile = false;

  private width = 0;
  private height = 0;
  private ptsQueue: (number | null)[] = [];
  private waiters: Waiter[] = [];

  /** Frames handed to the consumer. */
  private produced = 0;
  /** Frames ffmpeg wrote (delivered, waiting, or dropped). */
  private decoded = 0;
  private misTimed = 0;
  /** Source PTS (before the live normaliser) of the first and last frame kept: where the source was. */
  private firstSourcePtsMs: number | null = null;
  private lastSourcePtsMs: number | null = null;
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
  private stall: MediaError | null = null;

  /** Error that ends iteration with a throw (no frame decoded, or stalled). */
  private fatal: MediaError | null = null;
  private fatalThrown = false;
  /** Why decoding stopped early, reported by end(). */
  private endError: string | undefined;
  private reason: DecoderEndReason = 'running';
  private retryable = false;
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
      firstSeq: opts.firstSeq ?? 0,
    };
    this.reader = new RawFrameReader(opts.pool);
    this.ready = new FrameBuffer({ capacity: this.opts.bufferFrames, dropOldest: this.opts.dropOldest, pool: opts.pool });
    this.livePts = opts.livePts ?? new LivePts();
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
      else if (this.finished) this.infoReject!(this.fatal ?? noFramesError(this.display(), this.tail.text()));
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
      dropped: this.ready.dropped,
      misTimed: this.misTimed,
      exitCode: this.exitCode,
      signal: this.signal,
      retryable: this.retryable,
    };
  }

  /** Kills ffmpeg (SIGTERM, SIGKILL after a grace period). Idempotent; safe before start. */
  close(): void {
    if (!this.finished) this.closedByUser = true;
    this.ready.clear(); // free the frames nobody will take
    this.reader.frames.length = 0;
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
      buffered: this.ready.length + this.reader.frames.length,
      ptsAhead: this.ptsQueue.length,
      paused: this.pausedForConsumer,
      dropped: this.ready.dropped,
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
        const args = decoderArgs(spec, resolved, {
          fps: this.opts.fps,
          framesLimit: this.deliverLimit === null ? this.opts.maxFrames : undefined,
          rtspTransport: this.opts.rtspTransport,
          ioTimeoutMs: this.opts.stallTimeoutMs,
          rtspTimeoutOption: caps?.rtspTimeoutOption ?? 'stimeout',
          // ffmpeg's JPEG decoder ignores EXIF orientation: photos from phones would lie on their side.
          orient: spec.kind === 'file' ? orientationFilter(fileExifOrientation(spec.ffmpegInput.slice('file:'.length))) : null,
        });
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
    // A camera's name may resolve again once its network is back; nothing else found here will.
    this.retryable = this.spec?.live === true && this.fatal.code === 'HOST_NOT_FOUND';
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
    if (this.reader.frameSize === 0 && this.header.outputSize) {
      this.width = this.header.outputSize.width;
      this.height = this.header.outputSize.height;
      // Connecting and probing are not frame gaps: a slow live source (5 fps) with a short
      // --stall-timeout must not stall on the time its header took.
      this.lastProgress = Date.now();
      this.resolveInfo();
      this.reader.setFrameSize(yuv420Size(this.width, this.height));
      this.pair();
      if (this.pausedForHeader) {
        this.pausedForHeader = false;
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
    this.reader.push(chunk);
    if (this.reader.holdingEarlyBytes) {
      // Size not parsed yet (stdout overtook stderr): stop reading until it is.
      if (!this.pausedForHeader) {
        this.pausedForHeader = true;
        this.child?.stdout?.pause();
      }
      return;
    }
    this.pair();
  }

  /** Joins frames with their PTS (both FIFO, same order) and hands them out. */
  private pair(): void {
    const raw = this.reader.frames;
    while (raw.length > 0 && this.ptsQueue.length > 0) {
      const yuv = raw.shift()!;
      const pts = this.ptsQueue.shift()!;
      this.emit(yuv, pts === null ? null : pts / 1000);
    }
    this.updateFlow();
  }

  private emit(yuv: Buffer, sourcePtsMs: number | null): void {
    if (this.limitReached) return; // decoded past maxFrames while ffmpeg is being stopped
    this.decoded++;
    const arrivedAtMs = Date.now();
    const step = 1000 / (this.opts.fps ?? this.header.input.fps ?? 25);
    // NOPTS (rare: some raw streams): continue from the last one at the nominal rate.
    sourcePtsMs ??= this.lastSourcePtsMs === null ? 0 : this.lastSourcePtsMs + step;
    let ptsMs = sourcePtsMs;
    if (this.infoValue?.live) {
      const kept = this.livePts.next(sourcePtsMs, step, performance.now());
      if (kept === null) {
        this.misTimed++;
        this.opts.pool?.give(yuv);
        return;
      }
      ptsMs = kept;
    }
    this.firstSourcePtsMs ??= sourcePtsMs;
    this.lastSourcePtsMs = sourcePtsMs;
    const w = this.waiters.shift();
    if (w) {
      w.resolve({ done: false, value: this.deliver(yuv, ptsMs, arrivedAtMs) });
      return;
    }
    this.ready.push({ yuv, ptsMs, arrivedAtMs });
  }

  /** Numbers a frame as it is handed to the consumer (so seq stays contiguous across drops). */
  private deliver(yuv: Buffer, ptsMs: number, arrivedAtMs: number): DecodedFrame {
    const frame: DecodedFrame = { seq: this.opts.firstSeq + this.produced, ptsMs, width: this.width, height: this.height, yuv, arrivedAtMs };
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
    this.ready.clear();
    this.reader.frames.length = 0;
    this.ptsQueue.length = 0;
    for (const w of this.waiters.splice(0)) w.resolve({ done: true, value: undefined });
    if (this.child) stopChild(this.child, this.opts.killGraceMs);
  }

  /** Pauses ffmpeg's stdout while enough frames wait for the consumer; resumes when they don't. */
  private updateFlow(): void {
    const out = this.child?.stdout;
    if (!out || this.finished) return;
    const waiting = this.ready.length + this.reader.frames.length;
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
      return Promise.resolve({ done: false, value: this.deliver(f.yuv, f.ptsMs, f.arrivedAtMs) });
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
    if (this.finished || !this.child || this.limitReached || this.stall) return;
    if (this.pausedForConsumer) return;
    if (Date.now() - this.lastProgress <= this.opts.stallTimeoutMs) return;
    const s = Math.round(this.opts.stallTimeoutMs / 100) / 10;
    this.stall = new MediaError('STALLED', `no frame from '${this.display()}' for ${s} s (stalled)`, {
      input: this.display(),
      detail: this.tail.text(),
    });
    stopChild(this.child, this.opts.killGraceMs);
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    this.exitCode = code;
    this.signal = signal;
    for (const line of this.lines.flush()) this.onStderrLine(line);
    // PTS lines without stdout bytes are frames ffmpeg filtered but did not write (the one past
    // -frames:v); frames without a PTS line should not happen, but keep them rather than drop.
    while (this.reader.frames.length > 0) this.emit(this.reader.frames.shift()!, null);
    const exit = classifyDecoderExit({
      spec: this.spec,
      display: this.display(),
      live: this.infoValue?.live ?? this.spec?.live === true,
      code,
      signal,
      spawnError,
      limitReached: this.limitReached,
      stall: this.stall,
      closedByUser: this.closedByUser,
      decoded: this.decoded,
      headerSeen: this.reader.frameSize > 0,
      framesLimitHit: this.opts.maxFrames !== undefined && this.deliverLimit === null && this.decoded >= this.opts.maxFrames,
      partial: this.sawPartialFile || this.reader.partialBytes > 0,
      durationMs: this.header.input.durationMs,
      frameMs: 1000 / (this.opts.fps ?? this.header.input.fps ?? 25),
      firstPtsMs: this.firstSourcePtsMs,
      lastPtsMs: this.lastSourcePtsMs,
      tail: this.tail.text(),
      staticBuild: this.staticBuild,
    });
    this.reader.clear();
    this.reason = exit.reason;
    this.retryable = exit.retryable;
    this.fatal = exit.fatal ?? null;
    this.endError = exit.error;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.reason === 'running') this.reason = this.closedByUser ? 'closed' : 'eof';
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    if (!this.infoValue) this.infoReject?.(this.fatal ?? noFramesError(this.display(), this.tail.text()));
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
