import type { Logger } from '../../core/log.js';
import type { CompositorOptions } from '../compositor.js';
import { defaultResultsPath } from '../compositor.js';
import { CocoSink } from './coco-sink.js';
import { JsonlSink } from './jsonl-sink.js';
import { Mp4Sink } from './mp4-sink.js';
import { ImageSink } from './image-sink.js';
import { isImagePath } from '../../core/media/image-format.js';
import { SegmentedMp4Sink } from './segmented-mp4-sink.js';
import { ResultWriterSink } from './result-writer-sink.js';
import { ZoneEventsSink } from './zone-events-sink.js';
import { HlsSink } from './hls-sink.js';
import { ThumbnailSink } from './thumbnail-sink.js';
import { MotWriter } from '../../core/results/mot-writer.js';
import { CvatVideoWriter } from '../../core/results/cvat-video-writer.js';
import { eventsPathFor } from '../compositor.js';
import path from 'node:path';
import type { Sink } from './sink.js';
import { companionExt } from './segment-namer.js';
import type { SegmentFileSpec } from './segment-track-files.js';

/**
 * Every kind of sink, each with the test that says whether the compositor's options ask for it.
 * Adding a sink is one file and one line here. The order is the order of `close`: the video last
 * of the slow steps (it renames itself), the others commit right after it.
 */
const SINKS: { wanted(o: SinkOptions): boolean; make(o: SinkOptions, log: Logger): Sink }[] = [
  { wanted: (o) => !o.segment, make: (o) => new JsonlSink(o.results ?? defaultResultsPath(o.output)) },
  { wanted: (o) => !o.segment && !!o.coco, make: (o) => new CocoSink(o.coco!, o.output) },
  { wanted: (o) => !o.segment && !!o.mot, make: (o) => new ResultWriterSink(o.mot!, () => new MotWriter(o.mot!, o.resumeSeq)) },
  {
    wanted: (o) => !o.segment && !!o.cvat,
    make: (o) => new ResultWriterSink(o.cvat!, () => new CvatVideoWriter(o.cvat!, { taskName: path.basename(o.output), shapes: o.cvatShapes, firstSeq: o.resumeSeq })),
  },
  { wanted: (o) => !o.segment && o.zoneEvents, make: (o) => new ZoneEventsSink(eventsPathFor(o.output)) },
  { wanted: (o) => !!o.thumbnail, make: (o, log) => new ThumbnailSink(o.streamId, o.thumbnail!, log) },
  { wanted: (o) => !!o.hls, make: (o, log) => new HlsSink(o.hls!, log) },
  { wanted: (o) => !o.segment && !isImagePath(o.output), make: (o, log) => new Mp4Sink(o.output, o, log) },
  { wanted: (o) => !o.segment && isImagePath(o.output), make: (o) => new ImageSink(o.output, o) },
  { wanted: (o) => !!o.segment, make: (o, log) => new SegmentedMp4Sink(o.output, { ...o, ...o.segment!, streamId: o.streamId, files: segmentFiles(o) }, log) },
];

/**
 * The compositor's options, whether its result stages report events (zones, lines), and the seq
 * it starts at (a resumed stream): track files number their frames from there.
 */
export type SinkOptions = CompositorOptions & { zoneEvents: boolean; resumeSeq?: number };

/** Each segment's track files, named like its video with the extension their flag gives (segment-namer.ts). */
function segmentFiles(o: SinkOptions): SegmentFileSpec[] {
  const ext = (flag: string, file: string): string => {
    const e = companionExt(o.output, file);
    if (e === null) throw new RangeError(`--${flag} '${file}' must be the -o pattern '${o.output}' with its own extension`);
    return e;
  };
  return [
    ...(o.mot ? [{ kind: 'mot' as const, ext: ext('mot', o.mot) }] : []),
    ...(o.cvat ? [{ kind: 'cvat' as const, ext: ext('cvat', o.cvat), cvatShapes: o.cvatShapes }] : []),
    ...(o.zoneEvents ? [{ kind: 'events' as const, ext: '.events.jsonl' }] : []),
  ];
}

export function buildSinks(o: SinkOptions, log: Logger): Sink[] {
  return SINKS.filter((s) => s.wanted(o)).map((s) => s.make(o, log));
}
