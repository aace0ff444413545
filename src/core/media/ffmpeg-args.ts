/**
 * The decoder's ffmpeg command line: one source to raw I420 frames on stdout, each frame's PTS
 * in microseconds on a `showinfo` line on stderr.
 *
 *   ffmpeg -nostdin -hide_banner -nostats -loglevel info <input args> -i SRC -map 0:v:0
 *     -vf "[fps=N,]settb=AVTB,showinfo=checksum=0" -vsync passthrough [-frames:v M]
 *     -f rawvideo -pix_fmt yuv420p pipe:1
 *
 * `settb=AVTB` puts the PTS in microseconds, exactly (showinfo's pts_time is rounded to 6 digits);
 * checksum=0 spares the per-frame plane checksums, ~1 ms of CPU per 720p frame.
 */
import { inputArgs, type ResolvedInput, type SourceSpec } from './source.js';

export interface DecoderArgOptions {
  /** Resample to this constant rate (ffmpeg `fps` filter). @defaultValue undefined (every source frame) */
  fps?: number;
  /** `-frames:v`: frames ffmpeg decodes before it stops. @defaultValue undefined (all) */
  framesLimit?: number;
  /** RTSP lower transport. @defaultValue 'tcp' */
  rtspTransport?: 'tcp' | 'udp';
  /** Network socket I/O timeout (rtsp `-stimeout`, http `-rw_timeout`). @defaultValue 15000 */
  ioTimeoutMs?: number;
  /** Name of the RTSP socket timeout option of the ffmpeg in use (see ffmpegCaps). @defaultValue 'stimeout' */
  rtspTimeoutOption?: 'stimeout' | 'timeout';
  /**
   * Filters that turn the picture upright first (a JPEG's EXIF orientation, exif-orientation.ts):
   * every later step, the size on the `Output #0` line included, sees the oriented image.
   * @defaultValue undefined (as stored)
   */
  orient?: string | null;
}

export function decoderArgs(spec: SourceSpec, resolved: ResolvedInput, opts: DecoderArgOptions = {}): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'info',
    ...inputArgs(spec, {
      rtspTransport: opts.rtspTransport,
      ioTimeoutMs: opts.ioTimeoutMs,
      rtspTimeoutOption: opts.rtspTimeoutOption,
    }),
    ...resolved.extraArgs,
    '-i',
    resolved.ffmpegInput,
    '-map',
    '0:v:0',
    '-vf',
    `${opts.orient ? `${opts.orient},` : ''}${opts.fps !== undefined ? `fps=${opts.fps},` : ''}settb=AVTB,showinfo=checksum=0`,
    '-vsync',
    'passthrough',
    ...(opts.framesLimit !== undefined ? ['-frames:v', String(opts.framesLimit)] : []),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    'pipe:1',
  ];
}
