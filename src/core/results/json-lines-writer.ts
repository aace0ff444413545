import { once } from 'node:events';
import { type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { AtomicFile } from './atomic-file.js';
import { fsReason } from './fs-reason.js';
import { openStream } from './open-stream.js';

/**
 * Any records as JSON lines (the zone/line events file), under a hidden name until
 * {@link commit}, like the results JSONL ({@link AtomicFile}).
 */
export class JsonLinesWriter {
  private readonly file: AtomicFile;
  private readonly out: WriteStream;

  constructor(readonly path: string) {
    this.file = new AtomicFile(path);
    this.out = openStream(this.file.tmpPath, path);
    // A failed write (disk full) is thrown by the next write/finish (see check), never left unhandled.
    this.out.on('error', () => undefined);
  }

  async write(record: object): Promise<void> {
    this.check();
    if (!this.out.write(JSON.stringify(record) + '\n')) await once(this.out, 'drain').catch(() => undefined);
    this.check();
  }

  async finish(): Promise<void> {
    this.check();
    this.out.end();
    await finished(this.out).catch(() => undefined);
    this.check();
  }

  commit(): void {
    this.file.commit();
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
