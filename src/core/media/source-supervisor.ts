/**
 * Keeps one source's frames coming: runs one VideoDecoder at a time and, when a live source that
 * has delivered frames is lost (ffmpeg failed, the stall watchdog fired, or the stream ended),
 * opens a new one after a backoff (backoff.ts), the way Frigate's camera watchdog restarts its
 * capture process. Seq goes on counting, PTS go on increasing by the outage's real length
 * (live-pts.ts), and each outage is reported: a log line, and a source-lost / source-back
 * {@link StreamEvent} handed to `onEvent` in frame order.
 *
 * Files are never reopened (they end at their end), nor is a source whose first connection
 * delivered no frame: that is an error, thrown from `info()` / `frames()` as the decoder's.
 * Between attempts the server's TCP port is tried every `probeIntervalMs`; once it accepts again
 * after refusing, the next attempt starts at once, so a camera that answers again delivers frames
 * within a second or two however long the backoff had grown.
 */
import { performance } from 'node:perf_hooks';
import { log as rootLog, type Logger } from '../log.js';
import type { StreamEvent, StreamInfo } from '../types.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { LivePts } from './live-pts.js';
import { classifySource } from './source.js';
import { serverAddress, tcpAccepts } from './tcp-probe.js';
import { VideoDecoder, type DecodedFrame, type DecoderEnd, type DecoderOptions } from './video-decoder.js';

/** 'always' (forever), 'never', or the most failed reopen attempts in a row before giving up. */
export type ReconnectPolicy = 'always' | 'never' | number;

export interface SupervisorOptions extends Omit<DecoderOptions, 'firstSeq' | 'livePts'> {
  /** What to do when a live source is lost. @defaultValue 'always' */
  reconnect?: ReconnectPolicy;
  /** Delays between attempts. @defaultValue 0.5 s doubling to 10 s, back to 0.5 s after 60 s of frames */
  backoff?: BackoffOptions;
  /** How often a lost server's TCP port is tried while waiting. @defaultValue 250 */
  probeIntervalMs?: number;
  /** Called with each outage event; awaited before the next frame is handed out. @defaultValue undefined */
  onEvent?: (event: StreamEvent) => void | Promise<void>;
  /** Where outages are logged. @defaultValue the core logger */
  logger?: Logger;
}

/** {@link DecoderEnd} over all the decoders opened on the source. */
export interface SupervisorEnd extends Omit<DecoderEnd, 'retryable'> {
  /** Outages the source came back from. */
  reconnects: number;
}

interface Outage {
  reason: string;
  /** performance.now() when it was noticed. */
  since: number;
}

export class SourceSupervisor {
  readonly source: string;
  readonly streamId: string;
  private readonly opts: SupervisorOptions;
  private readonly policy: ReconnectPolicy;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly pts = new LivePts();
  /** The decoder running now; null once its end has been added to the totals below. */
  private current: VideoDecoder | null;
  private readonly first: VideoDecoder;
  private iterating = false;
  private closed = false;
  /** Ends a backoff wait early (close()). */
  private wake: (() => void) | null = null;

  private produced = 0;
  private firstPtsMs: number | null = null;
  private lastPtsMs: number | null = null;
  private size: { width: number; height: number } | null = null;
  private dropped = 0;
  private misTimed = 0;
  private reconnects = 0;
  private last: DecoderEnd | null = null;
  private reason: SupervisorEnd['reason'] = 'running';
  private error: string | undefined;

  constructor(source: string, streamId: string, opts: SupervisorOptions = {}) {
    const r = opts.reconnect;
    if (r !== undefined && r !== 'always' && r !== 'never' && !(Number.isInteger(r) && r >= 1)) {
      throw new RangeError(`reconnect must be 'always', 'never' or a positive integer, got ${String(r)}`);
    }
    this.source = source;
    this.streamId = streamId;
    this.opts = opts;
    this.policy = r ?? 'always';
    this.backoff = new Backoff(opts.backoff);
    this.log = opts.logger ?? rootLog;
    this.first = this.open();
    this.current = this.first;
  }

  /** The first connection's stream header; rejects as the decoder does when it fails. */
  info(): Promise<StreamInfo> {
    return this.first.info();
  }

  /** The frames of every connection, in order, seq contiguous. Iterate once; breaking out closes. */
  frames(): AsyncIterableIterator<DecodedFrame> {
    if (this.iterating) throw new Error('SourceSupervisor.frames() can only be iterated once');
    this.iterating = true;
    return this.run();
  }

  /** Totals so far; final once iteration has ended. */
  end(): SupervisorEnd {
    const now = this.current?.end();
    const last = now ?? this.last;
    return {
      frames: this.produced,
      firstPtsMs: this.firstPtsMs,
      lastPtsMs: this.lastPtsMs,
      ...(this.error !== undefined ? { error: this.error } : {}),
      reason: this.reason,
      dropped: this.dropped + (now?.dropped ?? 0),
      misTimed: this.misTimed + (now?.misTimed ?? 0),
      exitCode: last?.exitCode ?? null,
      signal: last?.signal ?? null,
      reconnects: this.reconnects,
    };
  }

  /** Stops the decoder and any wait for a reconnect. Idempotent. */
  close(): void {
    this.closed = true;
    this.current?.close();
    this.wake?.();
  }

  private open(): VideoDecoder {
    const remaining = this.opts.maxFrames === undefined ? undefined : this.opts.maxFrames - this.produced;
    const { reconnect: _r, backoff: _b, probeIntervalMs: _p, onEvent: _e, logger: _l, ...decoderOpts } = this.opts;
    return new VideoDecoder(this.source, this.streamId, {
      ...decoderOpts,
      maxFrames: remaining,
      firstSeq: this.produced,
      livePts: this.pts,
    });
  }

  private async *run(): AsyncGenerator<DecodedFrame, undefined, undefined> {
    let decoder = this.first;
    let outage: Outage | null = null;
    let failures = 0;
    try {
      for (;;) {
        if (outage && !(await this.sameSize(decoder))) return;
        let got = 0;
        let upSince = 0;
        let thrown: unknown = null;
        try {
          for await (const f of decoder.frames()) {
            if (got === 0) {
              upSince = performance.now();
              this.size ??= { width: f.width, height: f.height };
              if (outage) await this.back(f, outage, failures + 1);
              outage = null;
            }
            got++;
            this.produced++;
            this.firstPtsMs ??= f.ptsMs;
            this.lastPtsMs = f.ptsMs;
            yield f;
          }
        } catch (e) {
          thrown = e;
        }
        const end = this.fold(decoder);
        // The first connection never gave a frame: the source is wrong, not lost.
        if (this.produced === 0) {
          if (thrown) throw thrown;
          return this.endWith(end);
        }
        if (!end.retryable || this.closed) return this.endWith(end);
        if (got > 0) {
          failures = 0;
          this.backoff.connectionEnded(performance.now() - upSince);
          outage = { reason: end.error ?? 'the source ended', since: performance.now() };
          await this.emit({ kind: 'source-lost', atSeq: this.produced, ptsMs: this.lastPtsMs, reason: outage.reason });
        } else {
          failures++;
        }
        if (this.policy === 'never') {
          this.log.warn(`source lost: ${outage!.reason} (--reconnect never)`);
          return this.endWith(end);
        }
        if (typeof this.policy === 'number' && failures >= this.policy) {
          this.reason = 'error';
          this.error = `the source was lost (${outage!.reason}) and did not come back: ${failures} reconnect attempt(s) failed, the last with: ${end.error ?? 'no frame'}`;
          this.log.warn(`giving up on the source: ${failures} reconnect attempt(s) failed`);
          return;
        }
        const delayMs = this.backoff.next();
        if (got > 0) this.log.warn(`source lost: ${outage!.reason}; reconnecting in ${seconds(delayMs)} s`, { atSeq: this.produced });
        else this.log.info(`reconnect attempt ${failures} failed: ${end.error ?? 'no frame'}; next in ${seconds(delayMs)} s`);
        await this.pause(delayMs);
        if (this.closed) {
          this.reason = 'closed';
          return;
        }
        this.pts.resumeAfterGap();
        decoder = this.open();
        this.current = decoder;
      }
    } finally {
      if (this.current) this.fold(this.current);
      if (this.reason === 'running') this.reason = 'closed';
    }
  }

  /** Adds a finished (or abandoned) decoder's counts to the totals. */
  private fold(decoder: VideoDecoder): DecoderEnd {
    decoder.close(); // no-op once it has exited; stops it when iteration was broken off
    const end = decoder.end();
    if (this.current === decoder) {
      this.current = null;
      this.dropped += end.dropped;
      this.misTimed += end.misTimed;
      this.last = end;
    }
    return end;
  }

  private endWith(end: DecoderEnd): undefined {
    this.reason = end.reason === 'running' ? 'closed' : end.reason;
    this.error = end.error;
    return undefined;
  }

  /** A stream keeps one frame size (transport, encoder): a camera back at another size ends it. */
  private async sameSize(decoder: VideoDecoder): Promise<boolean> {
    const info = await decoder.info().catch(() => null); // a failed attempt: frames() says why
    if (!info || !this.size || (info.width === this.size.width && info.height === this.size.height)) return true;
    this.fold(decoder);
    this.reason = 'error';
    this.error = `the source came back at ${info.width}x${info.height}, not ${this.size.width}x${this.size.height} (a stream keeps one frame size)`;
    this.log.warn(this.error);
    return false;
  }

  private async back(f: DecodedFrame, outage: Outage, attempts: number): Promise<void> {
    this.reconnects++;
    const gapMs = this.lastPtsMs === null ? 0 : f.ptsMs - this.lastPtsMs;
    this.log.warn(`source back after ${seconds(gapMs)} s`, { atSeq: f.seq, attempts, lostFor: seconds(performance.now() - outage.since) });
    await this.emit({ kind: 'source-back', atSeq: f.seq, ptsMs: f.ptsMs, gapMs: round3(gapMs), attempts });
  }

  private async emit(e: Omit<StreamEvent, 'streamId' | 'wallClock'>): Promise<void> {
    await this.opts.onEvent?.({ streamId: this.streamId, ...e, wallClock: new Date().toISOString() });
  }

  /**
   * Waits `ms`, or less: until close(), or until the server's port, refused during the wait,
   * accepts again (the camera is back: no reason to sit out the rest of a 10 s backoff).
   */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(); // closed before the wait began (e.g. from onEvent)
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
      const target = this.serverAddress();
      if (target) void this.watchPort(target, () => done, finish);
    });
  }

  private async watchPort(target: { host: string; port: number }, isDone: () => boolean, answered: () => void): Promise<void> {
    const every = this.opts.probeIntervalMs ?? 250;
    let refused = false;
    while (!isDone()) {
      const ok = await tcpAccepts(target.host, target.port, 1000);
      if (isDone()) return;
      if (!ok) refused = true;
      else if (refused) {
        this.log.info('the source accepts connections again: reconnecting now');
        answered();
        return;
      }
      await new Promise((r) => setTimeout(r, every));
    }
  }

  private serverAddress(): { host: string; port: number } | null {
    try {
      return serverAddress(classifySource(this.source));
    } catch {
      return null;
    }
  }
}

function seconds(ms: number): string {
  return (Math.round(ms / 100) / 10).toString();
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
