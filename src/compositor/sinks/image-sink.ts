import { writeFile } from 'node:fs/promises';
import { encodeImage } from '../../core/media/image-encoder.js';
import { MediaError } from '../../core/media/media-error.js';
import type { StillCodecs } from '../../core/media/still-codecs.js';
import { AtomicFile } from '../../core/results/atomic-file.js';
import type { StreamInfo } from '../../core/types.js';
import type { Sink, SinkFrame } from './sink.js';

export interface ImageSinkOptions {
  /** JPEG/WebP quality 1..100. @defaultValue 90 */
  jpegQuality?: number;
  /** Long-lived still encoders (a session's), tried before an ffmpeg of its own. */
  stills?: StillCodecs;
}

/**
 * The annotated still of an image input (`-o out.jpg|.png|.bmp|.webp`), the same size as the
 * (EXIF-oriented) input. The one frame is kept until close, encoded (by one of the session's
 * long-lived encoders when it has them, else by an ffmpeg of its own, which also takes over when
 * a long-lived one could not do it), written under a hidden name and renamed into place on
 * commit. A stream of more than one frame is refused: a video needs `.mp4`.
 */
export class ImageSink implements Sink {
  private info: StreamInfo | null = null;
  private frame: Uint8Array | null = null;
  private file: AtomicFile | null = null;
  private readonly abortCtl = new AbortController();

  constructor(readonly path: string, private readonly opts: ImageSinkOptions = {}) {}

  async open(info: StreamInfo): Promise<void> {
    this.info = info;
  }

  async write(f: SinkFrame): Promise<void> {
    if (this.frame) throw new Error(`'${this.path}' is an image: its input has more than one frame (write a video to .mp4)`);
    // The pixels go back to the decoder's pool once the compositor acks the frame: keep a copy.
    this.frame = Uint8Array.from(f.yuv);
  }

  async event(): Promise<void> {}

  async close(): Promise<void> {
    if (!this.info || !this.frame) throw new Error(`'${this.path}': no frame to write`);
    this.file = new AtomicFile(this.path);
    try {
      const { width, height } = this.info;
      const bytes = await this.opts.stills?.encode(this.frame, width, height, this.path, this.opts.jpegQuality);
      if (this.abortCtl.signal.aborted) throw new MediaError('ENCODE_FAILED', `writing '${this.path}' was aborted`);
      if (bytes) await writeFile(this.file.tmpPath, bytes);
      else await encodeImage(this.frame, width, height, this.file.tmpPath, this.path, { quality: this.opts.jpegQuality, signal: this.abortCtl.signal });
    } catch (err) {
      this.file.abort();
      throw err;
    }
    this.frame = null;
  }

  commit(): void {
    this.file?.commit();
  }

  abort(): void {
    this.abortCtl.abort();
    this.file?.abort();
  }
}
