import path from 'node:path';
import { CocoResultsWriter } from '../../core/results/coco-writer.js';
import type { Sink, SinkEnd, SinkFrame } from './sink.js';

/** COCO results of a whole stream plus its dataset file (src/core/results/coco-writer.ts). */
export class CocoSink implements Sink {
  private writer: CocoResultsWriter | null = null;

  /** @param videoName names the frames in the dataset (`<videoName>#<seq>`). */
  constructor(readonly path: string, private readonly videoName: string) {}

  async open(): Promise<void> {
    this.writer = new CocoResultsWriter(this.path, { videoName: path.basename(this.videoName) });
  }

  async write(f: SinkFrame): Promise<void> {
    await this.opened().write(f.result);
  }

  /** COCO has no place for source events. */
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

  private opened(): CocoResultsWriter {
    if (!this.writer) throw new Error(`CocoSink '${this.path}': not opened`);
    return this.writer;
  }
}
