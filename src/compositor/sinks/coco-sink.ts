import path from 'node:path';
import { CocoResultsWriter } from '../../core/results/coco-writer.js';
import { WriterSink } from './writer-sink.js';

/** COCO results of a whole stream plus its dataset file (src/core/results/coco-writer.ts); no place for source events. */
export class CocoSink extends WriterSink<CocoResultsWriter> {
  /** @param videoName names the frames in the dataset (`<videoName>#<seq>`). */
  constructor(file: string, videoName: string) {
    super(file, () => new CocoResultsWriter(file, { videoName: path.basename(videoName) }), (w, f) => w.write(f.result));
  }
}
