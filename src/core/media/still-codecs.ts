/**
 * The long-lived still decoders and encoders of one session (a batch, or a run of one photo), so
 * that photos cost no process start each. Everything here is an optimisation with a way out:
 * null means "take the per-file way" (VideoDecoder, encodeImage), which then succeeds or reports
 * the photo exactly as before. Decoders take JPEGs whose size their header says (PNG, BMP, WebP
 * and anything odd are decoded per file; image-header.ts says why not PNG); encoders write every
 * output type. Jobs a process did not finish cleanly (a warning, an exit, a timeout) come out
 * null too, and a process that fell over is retired, never reused.
 */
import { readFile, stat } from 'node:fs/promises';
import { exifOrientation, orientationFilter } from './exif-orientation.js';
import { jpegSize } from './image-header.js';
import { StillDecoder } from './still-decoder.js';
import { StillEncoder } from './still-encoder.js';
import { StillPool } from './still-pool.js';
import { FramePool } from './frame-pool.js';
import { DEFAULT_JPEG_QUALITY } from './image-format.js';
import path from 'node:path';

/** Larger files go the per-file way (ffmpeg reads them itself instead of us holding them). */
const MAX_FILE_BYTES = 64 << 20;

export interface DecodedStill {
  yuv: Buffer;
  width: number;
  height: number;
}

export class StillCodecs {
  readonly decoders: StillPool<StillDecoder>;
  readonly encoders: StillPool<StillEncoder>;
  /** Buffers of decoded photos, reused from one photo to the next (a producer's own pool lives one photo). */
  readonly frames = new FramePool();

  /** @param maxIdle idle processes kept of each kind (decoders, encoders). */
  constructor(maxIdle = 8) {
    this.decoders = new StillPool(maxIdle);
    this.encoders = new StillPool(maxIdle);
  }

  /** The upright I420 frame of the JPEG file `file`, its buffer from `alloc`; null: decode it per file. */
  async decodeFile(file: string, alloc?: (n: number) => Buffer): Promise<DecodedStill | null> {
    let bytes: Buffer;
    try {
      // Only regular files: a FIFO's bytes read here would be gone for the per-file decoder.
      const st = await stat(file);
      if (!st.isFile() || st.size > MAX_FILE_BYTES || st.size === 0) return null;
      bytes = await readFile(file);
    } catch {
      return null; // the per-file way says why it cannot be read
    }
    const h = jpegSize(bytes);
    if (!h) return null;
    const orient = orientationFilter(exifOrientation(bytes));
    const turned = orient?.startsWith('transpose') ?? false;
    const width = turned ? h.height : h.width;
    const height = turned ? h.width : h.height;
    const key = `${h.width}x${h.height} ${orient ?? ''}`;
    const dec = this.decoders.take(key, () => new StillDecoder(orient, width, height));
    try {
      const yuv = await dec.decode(bytes, alloc);
      return yuv ? { yuv, width, height } : null;
    } finally {
      this.decoders.give(key, dec);
    }
  }

  /** `yuv` (I420) encoded as the type of `target`'s extension; null: encode it per file. */
  async encode(yuv: Uint8Array, width: number, height: number, target: string, quality = DEFAULT_JPEG_QUALITY): Promise<Buffer | null> {
    const key = `${path.extname(target).toLowerCase()} q${quality} ${width}x${height}`;
    let enc: StillEncoder;
    try {
      enc = this.encoders.take(key, () => new StillEncoder(target, quality, width, height));
    } catch {
      return null; // a type we do not write: the per-file encoder says so
    }
    try {
      return await enc.encode(yuv);
    } finally {
      this.encoders.give(key, enc);
    }
  }

  close(): void {
    this.decoders.close();
    this.encoders.close();
  }
}
