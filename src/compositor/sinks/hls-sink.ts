import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { HLS_PLAYLIST, HLS_SEGMENT_RE, HlsEncoder } from '../../core/media/hls-encoder.js';
import type { Logger } from '../../core/log.js';
import type { StreamInfo } from '../../core/types.js';
import type { Sink, SinkFrame } from './sink.js';

export interface HlsOptions {
  /** Directory for the playlist (index.m3u8) and its segments. */
  dir: string;
  /** Target segment length in seconds. @defaultValue 1 */
  segmentSeconds?: number;
  /** Segments kept in the rolling playlist. @defaultValue 6 */
  listSize?: number;
}

/** Whether a file in an HLS directory is one this sink writes (playlist, segments, their temp names). */
function isOurs(name: string): boolean {
  const base = name.replace(/\.tmp$/, '');
  return base === HLS_PLAYLIST || HLS_SEGMENT_RE.test(base);
}

/**
 * Why `dir` cannot take the HLS view, or null. The directory may be new, empty or hold only an
 * earlier HLS view (ours, and a live view: it is replaced); anything else in it is the user's.
 */
export function hlsDirProblem(dir: string): string | null {
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) return `--hls ${dir}: is a file, not a directory`;
  const foreign = readdirSync(dir).filter((n) => !isOurs(n));
  if (foreign.length) return `--hls ${dir}: holds files that are not an HLS view of segstream's (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}): give an empty or new directory`;
  return null;
}

/**
 * The annotated stream as live HLS (src/core/media/hls-encoder.ts) for the dashboard's player.
 * A live view, not a recording: the playlist rolls, a new run replaces an earlier view in the
 * same directory, `close` leaves the last window with #EXT-X-ENDLIST and `abort` removes it.
 */
export class HlsSink implements Sink {
  private encoder: HlsEncoder | null = null;
  /** A broken live view is given up, never the recording and results beside it. */
  private failed = false;

  constructor(private readonly opts: HlsOptions, private readonly log: Logger) {}

  async open(info: StreamInfo): Promise<void> {
    const problem = hlsDirProblem(this.opts.dir);
    if (problem) throw new Error(problem);
    if (existsSync(this.opts.dir)) {
      for (const n of readdirSync(this.opts.dir)) rmSync(path.join(this.opts.dir, n), { force: true });
    }
    this.encoder = new HlsEncoder(this.opts.dir, {
      width: info.width,
      height: info.height,
      fps: info.fps ?? undefined,
      segmentSeconds: this.opts.segmentSeconds,
      listSize: this.opts.listSize,
    });
    this.log.info('live HLS view', { playlist: this.encoder.playlist, segmentSeconds: this.opts.segmentSeconds ?? 1 });
  }

  async write(f: SinkFrame): Promise<void> {
    if (this.failed) return;
    try {
      await this.encoder!.write(f.yuv, f.result.ptsMs);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  async event(): Promise<void> {}

  async close(): Promise<void> {
    if (this.failed) return;
    try {
      await this.encoder?.close();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  commit(): void {}

  private fail(err: Error): void {
    this.failed = true;
    this.encoder?.abort();
    this.log.warn(`live HLS view stopped, the other outputs go on: ${err.message}`);
  }

  /** Kills ffmpeg and removes the view: a failed run's playlist would only mislead a player. */
  abort(): void {
    this.encoder?.abort();
    if (this.encoder && existsSync(this.opts.dir)) {
      for (const n of readdirSync(this.opts.dir)) if (isOurs(n)) rmSync(path.join(this.opts.dir, n), { force: true });
    }
  }
}
