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
 * (EXIF-oriented) input. The one frame is encoded as it comes (by one of the session's
 * long-lived encoders when it has them, else by an ffmpeg of its own, which also takes over when
 * a long-lived one could not do it), written under a hidden name and renamed into place on
 * commit. A stream of more than one frame is refused: a video needs `.mp4`.
 */
export class ImageSink implements Sink {
  private info: StreamInfo | null = null;
  private written = false;
  private file: AtomicFile | null = null;
  private readonly abortCtl = new AbortController();

  constructor(readonly path: string, private readonly opts: ImageSinkOptions = {}) {}

  async open(info: StreamInfo): Promise<void> {
    this.info = info;
  }

  /**
   * Encodes the frame now, before the compositor acks it (its pixels go back to the decoder's
   * pool then): no copy of it is kept. A second frame is refused.
   */
  async write(f: SinkFrame): Promise<void> {
    if (this.written) throw new Error(`'${this.path}' is an image: its input has more than one frame (write a video to .mp4)`);
    this.written = true;
    const { width, height } = this.info!;
    this.file = new AtomicFile(this.path);
    try {
      const bytes = await this.opts.stills?.encode(f.yuv, width, height, this.path, this.opts.jpegQuality);
      if (this.abortCtl.signal.aborted) throw new MediaError('ENCODE_FAILED', `writing '${this.path}' was aborted`);
      if (bytes) await writeFile(this.file.tmpPath, bytes);
      else await encodeImage(f.yuv, width, height, this.file.tmpPath, this.path, { quality: this.opts.jpegQuality, signal: this.abortCtl.signal });
    } catch (err) {
      this.file.abort();
      throw err;
    }
  }

  async event(): Promise<void> {}

  async close(): Promise<void> {
    if (!this.info || !this.written) throw new Error(`'${this.path}': no frame to write`);
  }

  commit(): void {
    this.file?.commit();
  }

  abort(): void {
    this.abortCtl.abort();
    this.file?.abort();
  }
}
