import { VideoEncoder } from '../core/media/video-encoder.js';
import { drawResult, type DrawOptions } from '../core/render/index.js';
import { blackYuv420 } from '../core/yuv420.js';
import { JsonlWriter } from '../core/results/jsonl-writer.js';
import { CocoResultsWriter } from '../core/results/coco-writer.js';
import { StreamEventFeed } from './stream-event-feed.js';
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
  /** How long to wait for the producer to register the stream. Default: the transport's (60 000 ms in memory, 600 000 ms on Redis). */
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

/**
 * Takes a stream's results in seq order, draws them on their frames, encodes the annotated video
 * (source timing, source audio) and writes the JSONL results beside it.
 */
export class Compositor {
  private readonly log: Logger;

  constructor(private readonly transport: Transport, private readonly opts: CompositorOptions, logger: Logger = rootLog) {
    this.log = logger.child({ role: 'compositor', stream: opts.streamId });
  }

  async run(hooks: CompositorHooks = {}): Promise<CompositorSummary> {
    const { streamId } = this.opts;
    const info = await this.transport.streamInfo(streamId, this.opts.waitMs);
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
    const jsonl = new JsonlWriter(resultsPath);
    const coco = this.opts.coco ? new CocoResultsWriter(this.opts.coco, { videoName: path.basename(this.opts.output) }) : null;
    let frames = 0;
    let failed = 0;
    const blank = blackYuv420(info.width, info.height);
    const events = new StreamEventFeed(this.transport, streamId);
    try {
      for await (const { result, yuv } of this.transport.results(streamId)) {
        let pixels = yuv;
        if (!pixels || pixels.length !== blank.length) {
          // The frame's pixels are gone (expired): keep timing with a black frame rather than a gap.
          pixels = blank;
          result.error ??= 'frame pixels lost';
        }
        if (result.error) failed++;
        else drawResult({ yuv: pixels, width: info.width, height: info.height }, result, this.opts.draw);
        await encoder.write(pixels);
        for (const e of await events.before(result.seq)) await jsonl.writeEvent(e);
        await jsonl.write(result);
        await coco?.write(result);
        await this.transport.ack(streamId, result.seq);
        frames++;
        hooks.onWritten?.(result);
      }
      const end = await this.transport.streamEnd(streamId);
      for (const e of await events.rest()) await jsonl.writeEvent(e);
      await jsonl.close();
      await coco?.close();
      if (frames === 0) throw new Error(end?.error ?? `stream '${streamId}' ended with no frames`);
      await encoder.finish({
        frames,
        firstPtsMs: end?.firstPtsMs ?? null,
        lastPtsMs: end?.lastPtsMs ?? null,
        sourceDurationMs: info.durationMs,
      });
      await this.transport.dropStream(streamId);
      if (failed) this.log.warn(`${failed} frame(s) failed and were written without annotations`, { failed });
      return { frames, failed, output: this.opts.output, results: resultsPath, end };
    } catch (err) {
      encoder.abort();
      throw err;
    }
  }
}
