/** A clip to serve as a live camera for as long as a benchmark needs it. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ffmpegPath } from '../src/core/media/ffmpeg-path.js';

export function clipSeconds(file: string): number {
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-i', file], { encoding: 'utf8' });
  const m = /Duration: (\d+):(\d+):([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`cannot read the duration of ${file}`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** `file` repeated without re-encoding (ffmpeg offsets each loop's timestamps) to last `seconds`, in `dir`. */
export function loopedClip(file: string, seconds: number, dir: string): string {
  const loops = Math.ceil(seconds / clipSeconds(file));
  const out = path.join(dir, 'camera.mp4');
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-stream_loop', String(loops - 1), '-i', file, '-map', '0:v:0', '-c', 'copy', '-y', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`looping ${file} failed: ${r.stderr}`);
  return out;
}
