import type { StreamEvent } from '../../core/types.js';
import type { Sink, SinkEnd, SinkFrame } from './sink.js';

/** A results file writer of src/core/results: hidden until commit, removed by abort. */
export interface SinkWriter {
  finish(): Promise<void>;
  commit(): void;
  abort(): void;
}

/**
 * A sink over one file writer that needs no pixels: the writer is made when the stream opens, fed
 * each frame (and, where it has a place for them, the source events), finished on close and renamed
 * into place on commit. The JSONL, COCO, MOT, CVAT and zone-event sinks are this with their feed.
 */
export class WriterSink<W extends SinkWriter> implements Sink {
  private writer: W | null = null;

  constructor(
    readonly path: string,
    private readonly make: () => W,
    private readonly feed: (w: W, f: SinkFrame) => Promise<void>,
    private readonly onEvent?: (w: W, e: StreamEvent) => Promise<void>,
  ) {}

  async open(): Promise<void> {
    this.writer = this.make();
  }

  async write(f: SinkFrame): Promise<void> {
    await this.feed(this.opened(), f);
  }

  async event(e: StreamEvent): Promise<void> {
    await this.onEvent?.(this.opened(), e);
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

  private opened(): W {
    if (!this.writer) throw new Error(`sink '${this.path}': not opened`);
    return this.writer;
  }
}
