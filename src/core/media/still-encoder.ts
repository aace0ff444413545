/**
 * A long-lived ffmpeg encoding I420 frames of one size into image files of one type and quality,
 * one after another: raw frames in (each exactly one frame's bytes), whole files out
 * (`-f image2pipe`), cut by their own lengths (image-file-end.ts). The encoder arguments are the
 * per-file encoder's (image-format.ts), so the bytes are the same as `encodeImage` writes.
 */
import { imageEncoderArgs } from './image-format.js';
import { imageFileEndFor } from './image-file-end.js';
import { StillProcess } from './still-process.js';
import { yuv420Size } from '../yuv420.js';

export class StillEncoder {
  private readonly proc: StillProcess;
  private readonly fileEnd: (buf: Uint8Array) => number;
  private readonly frameBytes: number;

  /** @param type a file name or extension whose type is written (.jpg, .png, .bmp, .webp). */
  constructor(type: string, quality: number | undefined, readonly width: number, readonly height: number) {
    this.fileEnd = imageFileEndFor(type);
    this.frameBytes = yuv420Size(width, height);
    const enc = imageEncoderArgs(type, quality);
    // The per-file muxer (`-f image2`/`webp`) is the last pair: files go out back to back instead.
    const codecArgs = enc.slice(0, enc.lastIndexOf('-f'));
    this.proc = new StillProcess([
      '-probesize', '32', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-i', 'pipe:0',
      // -threads 1: a frame-threaded encoder (png) would hold each file until the next frame came.
      ...codecArgs, '-threads', '1', '-f', 'image2pipe', '-flush_packets', '1', 'pipe:1',
    ]);
  }

  get ready(): boolean { return this.proc.ready; }
  get alive(): boolean { return this.proc.alive; }
  get retiredFor(): string | null { return this.proc.retiredFor; }

  /** The encoded file of `yuv` (I420, width x height), or null when this process could not make it (it is retired then). */
  async encode(yuv: Uint8Array): Promise<Buffer | null> {
    if (yuv.length !== this.frameBytes) return null;
    const r = await this.proc.run(yuv, (out) => this.fileEnd(out));
    return r?.bytes ?? null;
  }

  close(): void { this.proc.close(); }
}
