import { once } from 'node:events';
import { type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { AtomicFile } from './atomic-file.js';
import { fsReason } from './fs-reason.js';
import { openStream } from './open-stream.js';

/**
 * A text file written as a stream under a hidden name beside its target ({@link AtomicFile}): it
 * appears under its name on {@link commit} (or {@link close}); {@link abort} removes it and leaves
 * an old file as it was. A write error (disk full) is thrown by the next write or finish, naming
 * the target, never left as an unhandled 'error' event. The JSONL, MOT and events writers use it.
 */
export class AtomicTextWriter {
  private readonly file: AtomicFile;
  private readonly out: WriteStream;

  constructor(readonly path: string) {
    this.file = new AtomicFile(path);
    this.out = openStream(this.file.tmpPath, path);
    this.out.on('error', () => undefined); // reported by check()
  }

  async write(text: string): Promise<void> {
    this.check();
    // once() rejects on 'error' as well, so a failing disk cannot leave this waiting.
    if (text && !this.out.write(text)) await once(this.out, 'drain').catch(() => undefined);
    this.check();
  }

  /** Flushes and closes the hidden file; the target is not touched yet. */
  async finish(): Promise<void> {
    this.check();
    this.out.end();
    await finished(this.out).catch(() => undefined);
    this.check();
  }

  /** Renames the finished file over the target. */
  commit(): void {
    this.file.commit();
  }

  /** {@link finish} then {@link commit}; on failure nothing is left under either name. */
  async close(): Promise<void> {
    try {
      await this.finish();
      this.commit();
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Drops what was written; an existing target stays as it was. Idempotent. */
  abort(): void {
    this.out.destroy();
    this.file.abort();
  }

  private check(): void {
    const err = this.out.errored;
    if (err) throw new Error(`cannot write '${this.path}': ${fsReason(err)}`);
  }
}
