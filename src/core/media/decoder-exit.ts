/**
 * Why an ffmpeg decoder ended, from what was seen when it exited: ended (eof, maxFrames), error,
 * stalled or closed (we killed it), with the one-line error to report and whether reopening the
 * source could help (the source supervisor's question).
 */
import { describeFailure } from './ffmpeg-log.js';
import { MediaError } from './media-error.js';
import type { SourceSpec } from './source.js';

export type DecoderEndReason = 'eof' | 'maxFrames' | 'closed' | 'stalled' | 'error' | 'running';

/** What the decoder knows when its ffmpeg has exited. */
export interface ExitFacts {
  spec: SourceSpec | null;
  /** The input as printed in messages (credentials redacted). */
  display: string;
  /** The stream is live: from its header, or from its kind when no header came. */
  live: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
  /** We stopped ffmpeg after maxFrames frames were delivered. */
  limitReached: boolean;
  /** The stall watchdog killed ffmpeg, with this error. */
  stall: MediaError | null;
  /** close() was called (or the consumer broke out). */
  closedByUser: boolean;
  /** Frames ffmpeg wrote. */
  decoded: number;
  /** ffmpeg printed the output stream line (frame size known). */
  headerSeen: boolean;
  /** `-frames:v` was given and that many frames came. */
  framesLimitHit: boolean;
  /** ffmpeg warned of a partial file or corrupt packet, or stdout ended mid-frame. */
  partial: boolean;
  /** Container duration from the header, null when none (live). */
  durationMs: number | null;
  /** One nominal frame. */
  frameMs: number;
  firstPtsMs: number | null;
  lastPtsMs: number | null;
  /** ffmpeg's last stderr lines. */
  tail: string;
  staticBuild: boolean;
}

export interface DecoderExit {
  reason: DecoderEndReason;
  /** Thrown from the frame iteration: nothing decoded, or stalled. */
  fatal?: MediaError;
  /** Why decoding stopped early, as end() reports it. */
  error?: string;
  /** Reopening the source may bring frames again (live sources only). */
  retryable: boolean;
}

export function noFramesError(display: string, tail: string): MediaError {
  return new MediaError('NO_FRAMES', `cannot read input '${display}': no frame decoded`, { input: display, detail: tail });
}

export function classifyDecoderExit(f: ExitFacts): DecoderExit {
  if (f.limitReached) return { reason: 'maxFrames', retryable: false }; // we stopped it: its status says nothing
  if (f.stall) return { reason: 'stalled', fatal: f.stall, error: f.stall.message, retryable: f.live };
  if (f.closedByUser) return { reason: 'closed', retryable: false };
  if (f.spawnError) {
    const fatal = new MediaError('FFMPEG_MISSING', `cannot start ffmpeg for '${f.display}': ${f.spawnError.message}`, { input: f.display });
    return { reason: 'error', fatal, error: fatal.message, retryable: false };
  }
  if (f.decoded === 0) {
    const fatal = f.code === 0 && f.headerSeen ? noFramesError(f.display, f.tail) : failure(f);
    return { reason: 'error', fatal, error: fatal.message, retryable: f.live };
  }
  if (f.code !== 0) return { reason: 'error', error: failure(f).message, retryable: f.live };
  if (f.partial) {
    const upTo =
      f.lastPtsMs !== null && f.durationMs !== null
        ? `, up to ${(f.lastPtsMs / 1000).toFixed(2)} s of ${(f.durationMs / 1000).toFixed(2)} s`
        : '';
    return { reason: 'error', error: `input '${f.display}' is truncated or corrupt (partial file): decoded ${f.decoded} frame(s)${upTo}`, retryable: f.live };
  }
  if (f.framesLimitHit) return { reason: 'maxFrames', retryable: false };
  if (f.spec?.kind === 'rtsp' && rtspCutShort(f)) {
    // ffmpeg 4.1 exits 0 when the RTSP server closes the connection (it died, or stopped
    // sending): without this the run would end as if the stream had ended.
    return { reason: 'error', error: rtspCutShortMessage(f), retryable: true };
  }
  // A live stream without a duration (a camera) has no end: it ended because its server went.
  // One with a duration (a VOD clip served over RTSP) ended at its end.
  return { reason: 'eof', retryable: f.live && f.durationMs === null };
}

function failure(f: ExitFacts): MediaError {
  return describeFailure({
    display: f.display,
    isFile: f.spec?.kind === 'file',
    isHttp: f.spec?.kind === 'http',
    tail: f.tail,
    code: f.code,
    signal: f.signal,
    staticBuild: f.staticBuild,
  });
}

/**
 * Whether an RTSP stream that ffmpeg read to its end (exit 0, maxFrames not reached) was cut
 * short: always for a live stream (no duration: it has no end), and for a VOD clip when the last
 * frame is well before the duration the server advertised (more than 2 frames + 300 ms). A
 * complete clip ends cleanly.
 */
function rtspCutShort(f: ExitFacts): boolean {
  if (f.durationMs === null || f.lastPtsMs === null) return true;
  return f.lastPtsMs < f.durationMs - (2 * f.frameMs + 300);
}

/** Says where the stream stopped in seconds, not frames: the frame count is the caller's to give
 *  (frames delivered, which the CLI prints, differ from frames decoded when some were dropped). */
function rtspCutShortMessage(f: ExitFacts): string {
  let where = '';
  if (f.lastPtsMs !== null && f.durationMs !== null) {
    where = ` at ${(f.lastPtsMs / 1000).toFixed(2)} s of ${(f.durationMs / 1000).toFixed(2)} s`;
  } else if (f.firstPtsMs !== null && f.lastPtsMs !== null) {
    where = ` after ${((f.lastPtsMs - f.firstPtsMs) / 1000).toFixed(2)} s of live video`;
  }
  return `the RTSP server closed the connection${where} (input '${f.display}')`;
}
