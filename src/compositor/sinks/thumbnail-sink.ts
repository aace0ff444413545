import { ffmpegPath } from '../../core/media/ffmpeg-path.js';
import { spawnTracked } from '../../core/media/process.js';
import type { Logger } from '../../core/log.js';
import type { StreamInfo } from '../../core/types.js';
import type { Sink, SinkFrame } from './sink.js';

export interface ThumbnailOptions {
  /** Stores the latest JPEG of a stream (the stream registry in Redis, for the dashboard). */
  publish(streamId: string, jpeg: Buffer): Promise<void>;
  /** How often a thumbnail is made, in wall-clock ms. @defaultValue 5000 */
  everyMs?: number;
  /** Its width in pixels (height keeps the aspect). @defaultValue 320 */
  width?: number;
}

/**
 * The latest annotated frame as a small JPEG every few seconds, for the dashboard. One ffmpeg
 * run per thumbnail on a copy of the frame, never awaited by the frame path: a thumbnail still
 * being made when the next is due is skipped, and a failing one costs a debug line.
 */
export class ThumbnailSink implements Sink {
  private info: StreamInfo | null = null;
  private lastAt = -Infinity;
  private running: Promise<void> | null = null;

  constructor(private readonly streamId: string, private readonly opts: ThumbnailOptions, private readonly log: Logger) {}

  async open(info: StreamInfo): Promise<void> {
    this.info = info;
  }

  async write(f: SinkFrame): Promise<void> {
    const now = Date.now();
    if (this.running || now - this.lastAt < (this.opts.everyMs ?? 5000)) return;
    this.lastAt = now;
    // A copy: the frame's buffer is drawn on and reused as soon as this returns.
    this.running = this.make(Buffer.from(f.yuv))
      .then((jpeg) => this.opts.publish(this.streamId, jpeg))
      .catch((err: Error) => this.log.debug('thumbnail skipped', { error: err.message }))
      .finally(() => { this.running = null; });
  }

  async event(): Promise<void> {}

  /** The last thumbnail is waited for, so the dashboard shows the stream's final frame. */
  async close(): Promise<void> {
    await this.running;
  }

  commit(): void {}

  abort(): void {}

  private make(yuv: Buffer): Promise<Buffer> {
    const { width, height } = this.info!;
    const w = this.opts.width ?? 320;
    const args = [
      '-nostdin', '-hide_banner', '-loglevel', 'error',
      '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-i', 'pipe:0',
      '-vf', `scale=${w}:-2`, '-frames:v', '1', '-q:v', '5', '-f', 'mjpeg', 'pipe:1',
    ];
    const { child, closed } = spawnTracked(ffmpegPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d) => (err += d));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(yuv);
    return closed.then(({ code, spawnError }) => {
      if (spawnError) throw spawnError;
      if (code !== 0) throw new Error(`ffmpeg exit code ${code}: ${err.trim().split('\n').pop() ?? ''}`);
      return Buffer.concat(out);
    });
  }
}
