/**
 * Helpers for tests, benchmarks and `segstream demo`: generate a short H.264 clip with lavfi
 * (`testsrc2`, optional `sine` audio), and probe a video exactly by decoding every frame (the
 * bundled ffmpeg has no ffprobe).
 */
import { describeFailure, HeaderParser, parseShowinfo } from './ffmpeg-log.js';
import { FfmpegRunError, runFfmpeg } from './run-ffmpeg.js';
import { classifySource, inputArgs, validateSource } from './source.js';

export interface TestClipOptions {
  width: number;
  height: number;
  /** Frame rate: a number or a rational string such as "30000/1001". */
  fps: number | string;
  seconds: number;
  /** Add a 440 Hz AAC track (48 kHz stereo) as long as the video. Default false. */
  audio?: boolean;
  /** Put the moov atom first (`-movflags +faststart`). Default false (moov at the end). */
  faststart?: boolean;
  /** x264 preset. Default 'ultrafast'. */
  preset?: string;
  /** Stop ffmpeg after this long. Default 120 s. */
  timeoutMs?: number;
}

/** Parses "30000/1001", "29.97" or 25 into [num, den]. */
export function parseRate(fps: number | string): [number, number] {
  const s = String(fps).trim();
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(s);
  if (!m) throw new RangeError(`invalid frame rate '${s}'`);
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (!(num > 0 && den > 0)) throw new RangeError(`invalid frame rate '${s}'`);
  return [num, den];
}

/** Generates `path` (H.264 MP4, yuv420p); returns the exact number of video frames written. */
export async function makeTestClip(path: string, o: TestClipOptions): Promise<{ frames: number }> {
  const [num, den] = parseRate(o.fps);
  const frames = Math.max(1, Math.round((o.seconds * num) / den));
  const rate = String(o.fps);
  const args = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${o.width}x${o.height}:rate=${rate}`,
  ];
  if (o.audio) {
    args.push('-f', 'lavfi', '-t', String(o.seconds), '-i', 'sine=frequency=440:sample_rate=48000');
  }
  args.push('-map', '0:v:0', '-frames:v', String(frames));
  args.push('-c:v', 'libx264', '-preset', o.preset ?? 'ultrafast', '-pix_fmt', 'yuv420p');
  if (o.audio) args.push('-map', '1:a:0', '-c:a', 'aac', '-ac', '2', '-b:a', '128k');
  if (o.faststart) args.push('-movflags', '+faststart');
  args.push('-f', 'mp4', path);
  await runFfmpeg(args, o.timeoutMs ?? 120_000, `cannot make test clip '${path}'`);
  return { frames };
}

/** Exact facts about a video file, from decoding all of its video frames. */
export interface VideoProbe {
  /** Decoded video frames. */
  frames: number;
  /**
   * Duration of the video stream, exact to the microsecond: frames × average frame interval =
   * (last − first PTS) × frames / (frames − 1). For a constant-rate MP4 this is its track
   * duration. One frame: the container duration (or 0).
   */
  durationMs: number;
  /** Container duration (`Duration:` line, 10 ms precision; the longest track), null when N/A. */
  containerDurationMs: number | null;
  firstPtsMs: number | null;
  lastPtsMs: number | null;
  /** Every frame's PTS in ms (µs precision). */
  ptsMs: number[];
  width: number;
  height: number;
  hasAudio: boolean;
  audioCodec: string | null;
  /** Nominal rate printed by ffmpeg ("29.97 fps"), null if absent. */
  fps: number | null;
}

/** Decodes every frame of `path` (`-f null`, showinfo) and reports counts and timing exactly. */
export async function probeVideo(path: string, timeoutMs = 300_000): Promise<VideoProbe> {
  const spec = classifySource(path);
  validateSource(spec);
  const args = [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'info',
    ...inputArgs(spec),
    '-i',
    spec.ffmpegInput,
    '-map',
    '0:v:0',
    '-vf',
    'settb=AVTB,showinfo',
    '-vsync',
    'passthrough',
    '-f',
    'null',
    '-',
  ];
  const header = new HeaderParser();
  const ptsUs: number[] = [];
  let size: { width: number; height: number } | null = null;
  const sizeRe = / s:(\d+)x(\d+) /;
  await runFfmpeg(args, timeoutMs, `cannot probe '${spec.display}'`, (line) => {
    const si = parseShowinfo(line);
    if (si) {
      if (si.pts !== null) ptsUs.push(si.pts);
      if (!size) {
        const m = sizeRe.exec(line);
        if (m) size = { width: Number(m[1]), height: Number(m[2]) };
      }
      return true;
    }
    header.feed(line);
    return line.includes('Parsed_showinfo');
  }).catch((e: unknown) => {
    if (e instanceof FfmpegRunError) {
      throw describeFailure({ display: spec.display, isFile: spec.kind === 'file', tail: e.tail, code: e.exitCode, signal: e.signal });
    }
    throw e;
  });
  const frames = ptsUs.length;
  const first = frames ? ptsUs[0] / 1000 : null;
  const last = frames ? ptsUs[frames - 1] / 1000 : null;
  const h = header.input;
  const sz = size as { width: number; height: number } | null;
  return {
    frames,
    durationMs: frames >= 2 ? ((last! - first!) * frames) / (frames - 1) : (h.durationMs ?? 0),
    containerDurationMs: h.durationMs,
    firstPtsMs: first,
    lastPtsMs: last,
    ptsMs: ptsUs.map((p) => p / 1000),
    width: sz?.width ?? h.width ?? 0,
    height: sz?.height ?? h.height ?? 0,
    hasAudio: h.hasAudio,
    audioCodec: h.audioCodec,
    fps: h.fps,
  };
}
