import type { FrameResult } from '../../core/types.js';
import type { Sink, SinkEnd, SinkFrame } from './sink.js';

/** What a per-stream results file writer offers (MOT, CVAT: src/core/results/). */
export interface ResultWriter {
  write(result: FrameResult): Promise<void>;
  finish(): Promise<void>;
  commit(): void;
  abort(): void;
}

/**
 * A sink over one results writer that needs no pixels and no source events: the writer is made
 * when the stream opens, fed every result, finished on close and renamed into place on commit.
 */
export class ResultWriterSink implements Sink {
  private writer: ResultWriter | null = null;

  constructor(readonly path: string, private readonly make: () => ResultWriter) {}

  async open(): Promise<void> {
    this.writer = this.make();
  }

  async write(f: SinkFrame): Promise<void> {
    await this.opened().write(f.result);
  }

  /** Track files have no place for source events. */
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

  private opened(): ResultWriter {
    if (!this.writer) throw new Error(`sink '${this.path}': not opened`);
    return this.writer;
  }
}
