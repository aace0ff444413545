import { JsonlWriter } from '../../core/results/jsonl-writer.js';
import { WriterSink } from './writer-sink.js';

/** The JSONL results of a whole stream, source events in their place (src/core/results/jsonl-writer.ts). */
export class JsonlSink extends WriterSink<JsonlWriter> {
  constructor(path: string) {
    super(path, () => new JsonlWriter(path), (w, f) => w.write(f.result), (w, e) => w.writeEvent(e));
  }
}
