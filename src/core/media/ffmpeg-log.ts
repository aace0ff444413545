/**
 * Reading ffmpeg's stderr (`-loglevel info`): the `Input #0` / `Output #0` header sections, the
 * `showinfo` per-frame lines, and the mapping of failures to one-line {@link MediaError}s.
 * Written against the 2018 static build (N-47683, libavformat 58.24); the formats are unchanged
 * in ffmpeg 5-7.
 */
import { MediaError, oneLine } from './media-error.js';

/** Splits a byte stream into lines on \n, \r\n and \r (progress lines end in \r). */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const parts = text.split(/\r\n|\r|\n/);
    this.rest = parts.pop() ?? '';
    return parts;
  }
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r === '' ? [] : [r];
  }
}

/** What the `Input #0` section says (the first video and first audio stream). */
export interface InputHeader {
  /** Container duration in ms (centisecond precision), null when N/A. */
  durationMs: number | null;
  /** Nominal rate as printed ("29.83 fps", "30k fps"; else "25 tbr"), null if absent. */
  fps: number | null;
  /** Coded size of the first video stream (before autorotation). */
  width: number | null;
  height: number | null;
  hasVideo: boolean;
  hasAudio: boolean;
  audioCodec: string | null;
  videoCodec: string | null;
}

/** `n:  12 pts: 400400 ...` of a showinfo line; pts null for NOPTS. */
export interface ShowinfoFrame {
  n: number;
  pts: number | null;
}

const SHOWINFO_RE = /\] n:\s*(\d+)\s+pts:\s*(-?\d+|NOPTS)\b/;
const DURATION_RE = /^\s*Duration: (?:(\d+):(\d{2}):(\d{2}(?:\.\d+)?)|N\/A)/;
const STREAM_RE = /^\s*Stream #(\d+):\d+\S*: (Video|Audio|Subtitle|Data|Attachment): (\w+)/;
const SIZE_RE = /, (\d+)x(\d+)(?=[,\s]|$)/;
const FPS_RE = /, (\d+(?:\.\d+)?)(k?) fps\b/;
/**
 * Fallback when the stream line has no `fps` (an RTSP input probed with a tiny `-probesize` has
 * too few frames to estimate an average rate and prints only `25 tbr`, taken from the SPS timing).
 * A `k` tbr (90k, 1k...) is a time base, not a frame rate: ignored.
 */
const TBR_RE = /, (\d+(?:\.\d+)?) tbr\b/;
const RAW_OUT_RE = /: Video: rawvideo\b.*?, yuv420p\b.*?, (\d+)x(\d+)(?=[,\s]|$)/;

export function parseShowinfo(line: string): ShowinfoFrame | null {
  if (!line.includes('n:')) return null;
  const m = SHOWINFO_RE.exec(line);
  if (!m) return null;
  return { n: Number(m[1]), pts: m[2] === 'NOPTS' ? null : Number(m[2]) };
}

/**
 * Incremental parser for the header sections. Feed it every stderr line; `input` is complete once
 * `Stream mapping:` or `Output #0` is seen, `outputSize` once the rawvideo output stream line is.
 */
export class HeaderParser {
  readonly input: InputHeader = {
    durationMs: null,
    fps: null,
    width: null,
    height: null,
    hasVideo: false,
    hasAudio: false,
    audioCodec: null,
    videoCodec: null,
  };
  inputSeen = false;
  inputDone = false;
  /** Frame size of the yuv420p rawvideo output (after autorotation and scaling). */
  outputSize: { width: number; height: number } | null = null;
  private section: 'none' | 'input' | 'mapping' | 'output' = 'none';

  /** Returns true when the line was a header line (consumed). */
  feed(line: string): boolean {
    if (line.startsWith('Input #0')) {
      this.section = 'input';
      this.inputSeen = true;
      return true;
    }
    if (line.startsWith('Input #')) {
      this.section = 'none'; // a second input (encoder's audio source): not ours
      return true;
    }
    if (line.startsWith('Stream mapping:')) {
      this.section = 'mapping';
      if (this.inputSeen) this.inputDone = true;
      return true;
    }
    if (line.startsWith('Output #0')) {
      this.section = 'output';
      if (this.inputSeen) this.inputDone = true;
      return true;
    }
    if (this.section === 'input') {
      const d = DURATION_RE.exec(line);
      if (d) {
        this.input.durationMs =
          d[1] === undefined
            ? null
            : Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 1000);
        return true;
      }
      const s = STREAM_RE.exec(line);
      if (s && s[1] === '0') {
        if (s[2] === 'Video' && !this.input.hasVideo) {
          this.input.hasVideo = true;
          this.input.videoCodec = s[3];
          const sz = SIZE_RE.exec(line);
          if (sz) {
            this.input.width = Number(sz[1]);
            this.input.height = Number(sz[2]);
          }
          const f = FPS_RE.exec(line);
          if (f) this.input.fps = Number(f[1]) * (f[2] === 'k' ? 1000 : 1);
          else {
            const t = TBR_RE.exec(line);
            if (t && Number(t[1]) > 0) this.input.fps = Number(t[1]);
          }
        } else if (s[2] === 'Audio' && !this.input.hasAudio) {
          this.input.hasAudio = true;
          this.input.audioCodec = s[3];
        }
        return true;
      }
      return line.startsWith('  ');
    }
    if (this.section === 'output' && this.outputSize === null) {
      const o = RAW_OUT_RE.exec(line);
      if (o) {
        this.outputSize = { width: Number(o[1]), height: Number(o[2]) };
        return true;
      }
    }
    return false;
  }
}

/** Keeps the last `max` non-showinfo stderr lines, for error mapping and MediaError.detail. */
export class StderrTail {
  private lines: string[] = [];
  constructor(private readonly max = 60) {}
  push(line: string): void {
    if (line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  text(): string {
    return this.lines.join('\n');
  }
  all(): readonly string[] {
    return this.lines;
  }
}

export interface FailureContext {
  /** Input as shown to users (credentials redacted). */
  display: string;
  /** Whether the input is a local file (wording differs: "cannot read" vs "cannot open"). */
  isFile: boolean;
  tail: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True for http(s) inputs (adds a hint about HTTP Range support). */
  isHttp?: boolean;
  /** True for a static ffmpeg build (no host name resolution). */
  staticBuild?: boolean;
}

/**
 * Maps the stderr of an ffmpeg that exited without producing frames to a one-line MediaError.
 */
export function describeFailure(ctx: FailureContext): MediaError {
  const { display, tail } = ctx;
  const pre = `cannot read input '${display}'`;
  const mk = (code: ConstructorParameters<typeof MediaError>[0], why: string) =>
    new MediaError(code, `${pre}: ${why}`, { input: display, detail: tail });
  if (/No such file or directory/.test(tail)) return mk('NO_SUCH_FILE', 'no such file');
  if (/Permission denied/.test(tail)) return mk('PERMISSION_DENIED', 'permission denied');
  if (/Is a directory/.test(tail)) return mk('NOT_A_FILE', 'is a directory, not a video file');
  const wl = /Protocol '([\w+-]+)' not on whitelist/.exec(tail);
  if (wl) {
    return mk('PROTOCOL_BLOCKED', `it refers to a '${wl[1]}:' resource, which is not allowed for this input`);
  }
  if (/detected only with low score|misdetection possible/.test(tail) && /Invalid data found/.test(tail)) {
    return mk('INVALID_DATA', 'not a video file (Invalid data found when processing input)');
  }
  if (/moov atom not found/.test(tail)) {
    return mk('TRUNCATED', 'truncated or incomplete MP4 (moov atom not found)');
  }
  if (/Stream map '0:v:0' matches no streams|does not contain any stream|matches no streams/.test(tail)) {
    return mk('NO_VIDEO_STREAM', 'no video stream');
  }
  if (/Connection refused/.test(tail)) return mk('CONNECTION_REFUSED', 'connection refused');
  const http = /Server returned (\d{3}[^\r\n]*)/.exec(tail) ?? /HTTP error (\d{3}[^\r\n]*)/.exec(tail);
  if (http) return mk('HTTP_ERROR', `HTTP ${oneLine(http[1])}`);
  if (/Server returned (4|5)XX/.test(tail)) return mk('HTTP_ERROR', 'HTTP error');
  if (/Failed to resolve hostname|Name or service not known|nodename nor servname/.test(tail)) {
    return mk('HOST_NOT_FOUND', 'cannot resolve host name');
  }
  if (/Connection timed out|Operation timed out|timed out/i.test(tail)) return mk('TIMEOUT', 'connection timed out');
  if (/401 Unauthorized|method DESCRIBE failed: 401/.test(tail)) return mk('HTTP_ERROR', 'unauthorized (401)');
  if (/Invalid data found when processing input/.test(tail)) {
    return mk(
      'INVALID_DATA',
      ctx.isFile
        ? 'not a video file (Invalid data found when processing input)'
        : 'no valid stream from the server, or it did not answer in time (Invalid data found when processing input)',
    );
  }
  if (/Cannot determine format of input stream \S+ after EOF/.test(tail)) {
    return mk(
      'NO_FRAMES',
      ctx.isHttp
        ? 'no decodable video before the end of input (an MP4 with its index at the end needs a server that supports HTTP Range requests)'
        : 'no decodable video before the end of input',
    );
  }
  if (ctx.signal === 'SIGSEGV' && ctx.staticBuild && !ctx.isFile) {
    return new MediaError(
      'HOST_NOT_FOUND',
      `cannot open input '${display}': ffmpeg crashed (SIGSEGV) resolving a host name; the bundled static ffmpeg cannot resolve names (use an IP address, or set FFMPEG_PATH to a system ffmpeg)`,
      { input: display, detail: tail },
    );
  }
  const last = lastErrorLine(tail);
  const status = ctx.signal ? `killed by ${ctx.signal}` : `exit code ${ctx.code}`;
  return mk('FFMPEG_FAILED', last ? `${last} (ffmpeg ${status})` : `ffmpeg failed (${status})`);
}

/** The most informative-looking last line of stderr, without the `[demuxer @ 0x...]` prefix. */
export function lastErrorLine(tail: string): string | null {
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(frame=|video:|Last message repeated|Stream mapping|Press \[q\])/.test(l))
    // Probe warnings expected with a tiny -probesize (RTSP): never the reason for a failure.
    .filter((l) => !/not enough frames to estimate rate|decoding for stream \d+ failed/.test(l));
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (/error|invalid|fail|could not|cannot|unable|not found|unknown|unrecognized/i.test(l)) {
      return oneLine(l.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '')).slice(0, 300);
    }
  }
  return null;
}
