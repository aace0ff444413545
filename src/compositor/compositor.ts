import { VideoEncoder } from '../core/media/video-encoder.js';
import { drawInstances, type DrawOptions } from '../core/render/index.js';
import { blackYuv420 } from '../core/yuv420.js';
import { JsonlWriter } from '../core/results/jsonl-writer.js';
import { CocoResultsWriter, datasetPathFor } from '../core/results/coco-writer.js';
import { checkOutputs, type NamedPath } from '../core/results/output-plan.js';
import path from 'node:path';
import type { Logger } from '../core/log.js';
import { log as rootLog } from '../core/log.js';
import type { Transport } from '../core/transport/transport.js';
import type { FrameResult, StreamEnd, StreamInfo } from '../core/types.js';

export interface CompositorOptions {
  streamId: string;
  /** Annotated H.264 MP4 to write. */
  output: string;
  /** JSONL results path. Default: the output path with `.jsonl`. */
  results?: string;
  /** Also write COCO results (a pycocotools loadRes list) here, plus `<name>.dataset.json`. */
  coco?: string;
  /** Copy the source's audio when it has one and the compositor can read the source. Default true. */
  audio?: boolean;
  /** x264 preset. Default 'veryfast'. */
  preset?: string;
  /** x264 CRF. Default 23. */
  crf?: number;
  draw?: DrawOptions;
  /** How long to wait for the producer to register the stream. Default 600 000 ms. */
  waitMs?: number;
}

export interface CompositorHooks {
  onInfo?(info: StreamInfo): void;
  onWritten?(result: FrameResult): void;
}

export interface CompositorSummary {
  frames: number;
  failed: number;
  output: string;
  results: string;
  end: StreamEnd | null;
}

export function defaultResultsPath(output: string): string {
  return output.replace(/\.[^./\\]*$/, '') + '.jsonl';
}

/** Every file a compositor writes, named as the command line names them (for output-plan.ts). */
export function compositorOutputs(o: { output: string; results?: string; coco?: string }): NamedPath[] {
  return [
    { name: '-o', path: o.output },
    { name: '--results', path: o.results ?? defaultResultsPath(o.output) },
    ...(o.coco ? [{ name: '--coco', path: o.coco }, { name: 'the --coco dataset', path: datasetPathFor(o.coco) }] : []),
  ];
}

/**
 * Takes a stream's results in seq order, draws them on their frames, encodes the annotated video
 * (source timing, source audio) and writes the JSONL results beside it. Every file appears under
 * its name only once the stream has ended with frames; a run that throws leaves old files as they
 * were and no new ones.
 */
export class Compositor {
  private readonly log: Logger;

  constructor(private readonly transport: Transport, private readonly opts: CompositorOptions, logger: Logger = rootLog) {
    this.log = logger.child({ role: 'compositor', stream: opts.streamId });
  }

  async run(hooks: CompositorHooks = {}): Promise<CompositorSummary> {
    const { streamId } = this.opts;
    const info = await this.transport.streamInfo(streamId, this.opts.waitMs);
    // The source is known only now (compose reads it from Redis): it must not be one of our outputs.
    checkOutputs({ inputs: [{ name: "the stream's source", path: info.source }], outputs: compositorOutputs(this.opts) });
    hooks.onInfo?.(info);
    const resultsPath = this.opts.results ?? defaultResultsPath(this.opts.output);
    const wantAudio = (this.opts.audio ?? true) && info.hasAudio;
    const encoder = new VideoEncoder(this.opts.output, {
      width: info.width,
      height: info.height,
      preset: this.opts.preset,
      crf: this.opts.crf,
      audio: wantAudio && !info.live ? { source: info.source, codec: info.audioCodec } : undefined,
    });
    if (wantAudio && info.live) this.log.warn('live source: its audio is not carried into the output');
    let jsonl: JsonlWriter | null = null;
    let coco: CocoResultsWriter | null = null;
    let frames = 0;
    let failed = 0;
    const blank = blackYuv420(info.width, info.height);
    try {
      jsonl = new JsonlWriter(resultsPath);
      coco = this.opts.coco ? new CocoResultsWriter(this.opts.coco, { videoName: path.basename(this.opts.output) }) : null;
      for await (const { result, yuv } of this.transport.results(streamId)) {
        let pixels = yuv;
        if (!pixels || pixels.length !== blank.length) {
          // The frame's pixels are gone (expired): keep timing with a black frame rather than a gap.
          pixels = blank;
          result.error ??= 'frame pixels lost';
        }
        if (result.error) failed++;
        else drawInstances({ yuv: pixels, width: info.width, height: info.height }, result.instances, this.opts.draw);
        await encoder.write(pixels);
        await jsonl.write(result);
        await coco?.write(result);
        await this.transport.ack(streamId, result.seq);
        frames++;
        hooks.onWritten?.(result);
      }
      const end = await this.transport.streamEnd(streamId);
      if (frames === 0) throw new Error(end?.error ?? `stream '${streamId}' ended with no frames`);
      await jsonl.finish();
      await coco?.finish();
      // The video renames itself into place last of the slow steps; the results follow at once.
      await encoder.finish({
        frames,
        firstPtsMs: end?.firstPtsMs ?? null,
        lastPtsMs: end?.lastPtsMs ?? null,
        sourceDurationMs: info.durationMs,
      });
      jsonl.commit();
      coco?.commit();
      await this.transport.dropStream(streamId);
      if (failed) this.log.warn(`${failed} frame(s) failed and were written without annotations`, { failed });
      return { frames, failed, output: this.opts.output, results: resultsPath, end };
    } catch (err) {
      encoder.abort();
      jsonl?.abort();
      coco?.abort();
      throw err;
    }
  }
}
