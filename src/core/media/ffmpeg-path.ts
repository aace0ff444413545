/**
 * Where the ffmpeg binary is, and what it can do.
 *
 * `FFMPEG_PATH` wins when set; otherwise the static build shipped by `@ffmpeg-installer/ffmpeg`
 * (a 2018 N-47683 build with libx264, no ffprobe). Nothing here relies on an install script
 * having run: the binary is only checked, never chmod-ed or downloaded.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MediaError } from './media-error.js';

const require = createRequire(import.meta.url);

function checkExecutable(p: string, origin: string): string {
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new MediaError('FFMPEG_MISSING', `ffmpeg not found: ${origin} '${p}' does not exist`);
  }
  if (!st.isFile()) {
    throw new MediaError('FFMPEG_MISSING', `ffmpeg not found: ${origin} '${p}' is not a file`);
  }
  try {
    accessSync(p, constants.X_OK);
  } catch {
    throw new MediaError(
      'FFMPEG_MISSING',
      `ffmpeg at ${origin} '${p}' is not executable (chmod +x it, or set FFMPEG_PATH to another ffmpeg)`,
    );
  }
  return p;
}

/**
 * Path of the ffmpeg binary to run: `FFMPEG_PATH` if set, else `@ffmpeg-installer/ffmpeg`'s.
 * @throws MediaError (code FFMPEG_MISSING, one line) when neither exists or is executable.
 */
export function ffmpegPath(): string {
  const env = process.env['FFMPEG_PATH'];
  if (env !== undefined && env.trim() !== '') return checkExecutable(env, 'FFMPEG_PATH');
  let installed: string;
  try {
    // The package throws a plain string when its platform binary is missing.
    const mod = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    if (typeof mod.path !== 'string') throw new Error('no path exported');
    installed = mod.path;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new MediaError(
      'FFMPEG_MISSING',
      `ffmpeg not found: FFMPEG_PATH is not set and @ffmpeg-installer/ffmpeg has no binary for ${process.platform}-${process.arch} (${why})`,
    );
  }
  return checkExecutable(installed, '@ffmpeg-installer/ffmpeg');
}

/** Capabilities that differ between the 2018 static build and ffmpeg ≥ 5 (Debian's 5.1). */
export interface FfmpegCaps {
  /** First line of `ffmpeg -version`. */
  version: string;
  /**
   * A static build (johnvansickle's, as bundled): its static glibc cannot resolve host names —
   * opening `http://localhost/` segfaults (verified with N-47683) — so callers resolve names first.
   */
  staticBuild: boolean;
  /** RTSP socket I/O timeout option, in microseconds: `stimeout` (≤ 4.x) or `timeout` (≥ 5). */
  rtspTimeoutOption: 'stimeout' | 'timeout';
}

const capsCache = new Map<string, FfmpegCaps>();

function run(bin: string, args: string[]): string {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch {
    return '';
  }
}

/** Probes (once per binary, synchronously, two ~30 ms runs) what this ffmpeg understands. */
export function ffmpegCaps(bin: string = ffmpegPath()): FfmpegCaps {
  const cached = capsCache.get(bin);
  if (cached) return cached;
  const versionText = run(bin, ['-hide_banner', '-version']);
  const version = versionText.split('\n')[0]?.trim() ?? '';
  const help = run(bin, ['-hide_banner', '-h', 'demuxer=rtsp']);
  const caps: FfmpegCaps = {
    version,
    staticBuild:
      /-static\b/.test(version) || (/--enable-static\b/.test(versionText) && !/--enable-shared\b/.test(versionText)),
    // In ≤ 4.x `-timeout` on the RTSP demuxer means "listen"; the socket timeout is `-stimeout`.
    rtspTimeoutOption: /^\s*-stimeout\b/m.test(help) || help === '' ? 'stimeout' : 'timeout',
  };
  capsCache.set(bin, caps);
  return caps;
}
