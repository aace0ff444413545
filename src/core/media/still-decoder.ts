/**
 * A long-lived ffmpeg decoding JPEGs of one stored size and EXIF orientation to I420, one file
 * after another. The files go in as a multipart-JPEG stream (`-f mpjpeg`: each part says its
 * length, so ffmpeg hands a photo to the decoder the moment its last byte is in, instead of
 * waiting for the next photo's first bytes as the image2pipe parser does). One frame out per file
 * in, and each frame's showinfo line (its size checked against the one expected) says it is whole.
 */
import { yuv420Size } from '../yuv420.js';
import { StillProcess } from './still-process.js';

const SHOWN_SIZE_RE = / s:(\d+)x(\d+) /;

export class StillDecoder {
  private readonly proc: StillProcess;
  private readonly frameBytes: number;

  /**
   * @param width height: the size of the decoded frame (after `orient`).
   * @param orient filters that turn the stored picture upright (orientationFilter), or null.
   */
  constructor(orient: string | null, readonly width: number, readonly height: number) {
    this.frameBytes = yuv420Size(width, height);
    this.proc = new StillProcess([
      // -threads 1: a frame-threaded decoder would hold each frame until the next file came.
      '-threads', '1', '-f', 'mpjpeg', '-i', 'pipe:0',
      '-vf', `${orient ? `${orient},` : ''}showinfo=checksum=0`, '-vsync', 'passthrough',
      '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-flush_packets', '1', 'pipe:1',
    ]);
  }

  get ready(): boolean { return this.proc.ready; }
  get alive(): boolean { return this.proc.alive; }
  get retiredFor(): string | null { return this.proc.retiredFor; }

  /** The I420 frame of the file `bytes`, or null when this process could not say (it is retired then). */
  async decode(bytes: Uint8Array, alloc?: (n: number) => Buffer): Promise<Buffer | null> {
    const head = Buffer.from(`--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: ${bytes.length}\r\n\r\n`);
    const part = Buffer.concat([head, bytes, Buffer.from('\r\n')]);
    const r = await this.proc.run(part, (out, frames) => (frames.length >= 1 && out.length >= this.frameBytes ? this.frameBytes : 0), alloc);
    if (!r) return null;
    const shown = SHOWN_SIZE_RE.exec(r.frames[0]);
    if (r.frames.length !== 1 || !shown || Number(shown[1]) !== this.width || Number(shown[2]) !== this.height) {
      this.proc.close(); // not the frame expected: this process's output can no longer be trusted
      return null;
    }
    return r.bytes;
  }

  close(): void { this.proc.close(); }
}
