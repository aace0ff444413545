import { JsonlWriter } from '../../core/results/jsonl-writer.js';
import type { StreamEvent } from '../../core/types.js';
import type { Sink, SinkEnd, SinkFrame } from './sink.js';

/** The JSONL results of a whole stream (src/core/results/jsonl-writer.ts). */
export class JsonlSink implements Sink {
  private writer: JsonlWriter | null = null;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    this.writer = new JsonlWriter(this.path);
  }

  async write(f: SinkFrame): Promise<void> {
    await this.opened().write(f.result);
  }

  async event(e: StreamEvent): Promise<void> {
    await this.opened().writeEvent(e);
  }

  async close(_end: SinkEnd): Promise<void> {
    await this.opened().finish();
  }

  commit(): void {
    this.opened().commit();
  }

  abort(): void {
    this.writer?.abort();
  }

  private opened(): JsonlWriter {
    if (!this.writer) throw new Error(`JsonlSink '${this.path}': not opened`);
    return this.writer;
  }
}
