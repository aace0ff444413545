import { writeFileSync } from 'node:fs';
import type { FrameResult } from '../types.js';
import { AtomicFile } from './atomic-file.js';
import { CvatTracks, type CvatTracksOptions } from './cvat-tracks.js';
import { fsReason } from './fs-reason.js';

export type CvatVideoWriterOptions = CvatTracksOptions;

/**
 * `--cvat`: the stream's tracks as CVAT for video 1.1 XML ({@link CvatTracks} says what is in it),
 * written on {@link finish} under a hidden name and renamed into place by {@link commit}.
 */
export class CvatVideoWriter {
  private readonly file: AtomicFile;
  private readonly tracks: CvatTracks;

  constructor(readonly path: string, opts: CvatVideoWriterOptions) {
    this.tracks = new CvatTracks(opts);
    this.file = new AtomicFile(path);
  }

  async write(result: FrameResult): Promise<void> {
    this.tracks.add(result);
  }

  /** Writes the whole XML to the hidden file; the target is not touched yet. */
  async finish(): Promise<void> {
    try {
      writeFileSync(this.file.tmpPath, this.tracks.toXml());
    } catch (err) {
      throw new Error(`cannot write '${this.path}': ${fsReason(err)}`);
    }
  }

  commit(): void {
    this.file.commit();
  }

  /** Drops the hidden file; an existing target stays as it was. Idempotent. */
  abort(): void {
    this.file.abort();
  }
}
