import { AtomicTextWriter } from './atomic-text-writer.js';

/**
 * Any records as JSON lines (the zone/line events file), under a hidden name until
 * {@link commit}, like the results JSONL (src/core/results/atomic-text-writer.ts).
 */
export class JsonLinesWriter {
  private readonly out: AtomicTextWriter;

  constructor(readonly path: string) {
    this.out = new AtomicTextWriter(path);
  }

  async write(record: object): Promise<void> {
    await this.out.write(JSON.stringify(record) + '\n');
  }

  finish(): Promise<void> {
    return this.out.finish();
  }

  commit(): void {
    this.out.commit();
  }

  /** Drops what was written; an existing target stays as it was. Idempotent. */
  abort(): void {
    this.out.abort();
  }
}
