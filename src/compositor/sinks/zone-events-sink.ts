import { JsonLinesWriter } from '../../core/results/json-lines-writer.js';
import type { Sink, SinkEnd, SinkFrame } from './sink.js';

/** The zone and line events of the result stages (src/compositor/stages/zones), one JSON line each. */
export class ZoneEventsSink implements Sink {
  private writer: JsonLinesWriter | null = null;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    this.writer = new JsonLinesWriter(this.path);
  }

  async write(f: SinkFrame): Promise<void> {
    for (const e of f.stageEvents ?? []) await this.opened().write(e);
  }

  async event(): Promise<void> {}

  async close(_end: SinkEnd): Promise<void> {
    await this.opened().finish();
  }

  commit(): void {
    this.opened().commit();
  }

  abort(): void {
    this.writer?.abort();
  }

  private opened(): JsonLinesWriter {
    if (!this.writer) throw new Error(`sink '${this.path}': not opened`);
    return this.writer;
  }
}
