import type { FrameResult } from '../../core/types.js';
import { WriterSink, type SinkWriter } from './writer-sink.js';

/** A per-stream track file writer (MOT, CVAT: src/core/results/). */
export interface ResultWriter extends SinkWriter {
  write(result: FrameResult): Promise<void>;
}

/** A track file fed every result; track files have no place for source events. */
export class ResultWriterSink extends WriterSink<ResultWriter> {
  constructor(path: string, make: () => ResultWriter) {
    super(path, make, (w, f) => w.write(f.result));
  }
}
