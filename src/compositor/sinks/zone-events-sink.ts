import { JsonLinesWriter } from '../../core/results/json-lines-writer.js';
import { WriterSink } from './writer-sink.js';

/** The zone and line events of the result stages (src/compositor/stages/zones), one JSON line each. */
export class ZoneEventsSink extends WriterSink<JsonLinesWriter> {
  constructor(path: string) {
    super(path, () => new JsonLinesWriter(path), async (w, f) => {
      for (const e of f.stageEvents ?? []) await w.write(e);
    });
  }
}
