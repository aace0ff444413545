import type { Logger } from '../../core/log.js';
import type { CompositorOptions } from '../compositor.js';
import { defaultResultsPath } from '../compositor.js';
import { CocoSink } from './coco-sink.js';
import { JsonlSink } from './jsonl-sink.js';
import { Mp4Sink } from './mp4-sink.js';
import { SegmentedMp4Sink } from './segmented-mp4-sink.js';
import type { Sink } from './sink.js';

/**
 * Every kind of sink, each with the test that says whether the compositor's options ask for it.
 * Adding a sink is one file and one line here. The order is the order of `close`: the video last
 * of the slow steps (it renames itself), the others commit right after it.
 */
const SINKS: { wanted(o: CompositorOptions): boolean; make(o: CompositorOptions, log: Logger): Sink }[] = [
  { wanted: (o) => !o.segment, make: (o) => new JsonlSink(o.results ?? defaultResultsPath(o.output)) },
  { wanted: (o) => !o.segment && !!o.coco, make: (o) => new CocoSink(o.coco!, o.output) },
  { wanted: (o) => !o.segment, make: (o, log) => new Mp4Sink(o.output, o, log) },
  { wanted: (o) => !!o.segment, make: (o, log) => new SegmentedMp4Sink(o.output, { ...o, ...o.segment!, streamId: o.streamId }, log) },
];

export function buildSinks(o: CompositorOptions, log: Logger): Sink[] {
  return SINKS.filter((s) => s.wanted(o)).map((s) => s.make(o, log));
}
