/**
 * The one error type of the media module. Its message is always a single line that names the
 * input and the problem, fit to print as-is in a CLI:
 *
 *   cannot read input 'x.mp4': no such file
 *   cannot read input 'x.mp4': not a video file (Invalid data found when processing input)
 *   unsupported input scheme 'ftp:' (use a file path, http(s)://, rtsp://, rtsps://, udp:// or rtp://)
 *   no frame from 'rtsp://cam/1' for 15 s (stalled)
 */

/** Machine-readable kind of a {@link MediaError}. */
export type MediaErrorCode =
  | 'FFMPEG_MISSING'
  | 'UNSUPPORTED_SCHEME'
  | 'NO_SUCH_FILE'
  | 'NOT_A_FILE'
  | 'PERMISSION_DENIED'
  | 'EMPTY_FILE'
  | 'INVALID_DATA'
  | 'TRUNCATED'
  | 'NO_VIDEO_STREAM'
  | 'CONNECTION_REFUSED'
  | 'HOST_NOT_FOUND'
  | 'HTTP_ERROR'
  | 'PROTOCOL_BLOCKED'
  | 'TIMEOUT'
  | 'STALLED'
  | 'NO_FRAMES'
  | 'ENCODE_FAILED'
  | 'FFMPEG_FAILED';

export class MediaError extends Error {
  override readonly name = 'MediaError';
  readonly code: MediaErrorCode;
  /** The input (path or URL, credentials redacted) the error is about, when there is one. */
  readonly input: string | undefined;
  /** Last lines of ffmpeg's stderr, for debugging (not part of the message). */
  readonly detail: string | undefined;

  constructor(code: MediaErrorCode, message: string, opts: { input?: string; detail?: string } = {}) {
    super(oneLine(message));
    this.code = code;
    this.input = opts.input;
    this.detail = opts.detail;
  }
}

/** Collapses whitespace runs (newlines included) into single spaces and trims. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
