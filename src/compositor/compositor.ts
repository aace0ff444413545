import { VideoEncoder } from '../core/media/video-encoder.js';
import { drawInstances, type DrawOptions } from '../core/render/index.js';
import { blackYuv420 } from '../core/yuv420.js';
import { JsonlWriter } from '../core/results/jsonl-writer.js';
import { CocoResultsWriter, datasetPathFor } from '../core/results/coco-writer.js';
import { MotWriter } from '../core/results/mot-writer.js';
import { CvatVideoWriter } from '../core/results/cvat-video-writer.js';
import { JsonLinesWriter } from '../core/results/json-lines-writer.js';
import { checkOutputs, type NamedPath } from '../core/results/output-plan.js';
import { StreamEventFeed } from './stream-event-feed.js';
import { buildResultChain, type StageOptions } from './stages/registry.js';
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
  /** Also write the tracks as MOTChallenge text here. */
  mot?: string;
  /** Also write the tracks as CVAT for video 1.1 XML here. */
  cvat?: string;
  /** Copy the source's audio when it has one and the compositor can read the source. Default true. */
  audio?: boolean;
  /** x264 preset. Default 'veryfast'. */
  preset?: string;
  /** x264 CRF. Default 23. */
  crf?: number;
  draw?: DrawOptions;
  /**
   * Result stages before drawing (tracking). A restarted compositor starts them afresh: track ids
   * begin again at 1 in its outputs.
   * @defaultValue tracking on, ByteTrack with its defaults
   */
  stages?: StageOptions;
  /**
   * How long to wait for the producer to register an unknown stream.
   * @defaultValue 600 000 ms
   */
  waitMs?: number;
}

export const DEFAULT_COMPOSE_WAIT_MS = 600_000;

export interface CompositorHooks {
  /** The stream is not registered yet: the compositor waits up to waitMs for its producer. */
  onWaiting?(waitMs: number): void;
  onInfo?(info: StreamInfo): void;
  onWritten?(result: FrameResult): void;
}

export interface CompositorSummary {
  frames: number;
  failed: number;
  output: string;
  results: string;
  end: StreamEnd | null;
  /** stop() ended it before the stream did: the outputs hold the frames written until then. */
  stopped?: boolean;
}

const STOP = Symbol('stop');

export function defaultResultsPath(output: string): string {
  return output.replace(/\.[^./\\]*$/, '') + '.jsonl';
}

/** Where zone/line events go: beside the video, `<name>.events.jsonl`. */
export function eventsPathFor(output: string): string {
  return output.replace(/\.[^./\\]*$/, '') + '.events.jsonl';
}

/** Every file a compositor writes, named as the command line names them (for output-plan.ts). */
export function compositorOutputs(o: { output: string; results?: string; coco?: string; mot?: string; cvat?: string; events?: boolean }): NamedPath[] {
  return [
    { name: '-o', path: o.output },
    { name: '--results', path: o.results ?? defaultResultsPath(o.output) },
    ...(o.coco ? [{ name: '--coco', path: o.coco }, { name: 'the --coco dataset', path: datasetPathFor(o.coco) }] : []),
    ...(o.mot ? [{ name: '--mot', path: o.mot }] : []),
    ...(o.cvat ? [{ name: '--cvat', path: o.cvat }] : []),
    ...(o.events ? [{ name: 'the zone/line events', path: eventsPathFor(o.output) }] : []),
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
  private requestStop!: (s: typeof STOP) => void;
  /** Settles on stop(): every wait below races it, so a stop never waits for Redis. */
  private readonly stopRequested = new Promise<typeof STOP>((resolve) => { this.requestStop = resolve; });
  private encoder: VideoEncoder | null = null;
  private written = 0;

  constructor(private readonly transport: Transport, private readonly opts: CompositorOptions, logger: Logger = rootLog) {
    this.log = logger.child({ role: 'compositor', stream: opts.streamId });
  }

  /** Frames written to the outputs so far. */
  get frames(): number { return this.written; }

  /** Finish the frame being written, then close the outputs with the frames written so far. */
  stop(): void { this.requestStop(STOP); }

  /** Kills the encoder at once: no output is written (an existing file of that name is left as it was). */
  abandon(): void {
    this.requestStop(STOP);
    this.encoder?.abort();
  }

  private async waitForStream(hooks: CompositorHooks): Promise<StreamInfo> {
    const { streamId } = this.opts;
    const waitMs = this.opts.waitMs ?? DEFAULT_COMPOSE_WAIT_MS;
    let found = await this.transport.lookupStream(streamId);
    if (found.state === 'unknown') {
      hooks.onWaiting?.(waitMs);
      const waited = await Promise.race([this.transport.lookupStream(streamId, waitMs), this.stopRequested]);
      if (waited === STOP) throw new Error(`stopped while waiting for stream '${streamId}' to be produced`);
      found = waited;
    }
    if (found.state === 'finished') {
      const f = found.finished;
      throw new Error(`stream '${streamId}' was already composed (${f.frames} frames at ${f.finishedAt}, into ${f.output})`);
    }
    if (found.state === 'unknown') {
      throw new Error(`stream '${streamId}' is unknown: no producer registered it within ${Math.round(waitMs / 1000)} s`);
    }
    return found.info;
  }

  async run(hooks: CompositorHooks = {}): Promise<CompositorSummary> {
    const { streamId } = this.opts;
    const info = await this.waitForStream(hooks);
    // The source is known only now (compose reads it from Redis): it must not be one of our outputs.
    const chain = buildResultChain(this.opts.stages);
    checkOutputs({ inputs: [{ name: "the stream's source", path: info.source }], outputs: compositorOutputs({ ...this.opts, events: chain.hasEvents }) });
    hooks.onInfo?.(info);
    const resultsPath = this.opts.results ?? defaultResultsPath(this.opts.output);
    const wantAudio = (this.opts.audio ?? true) && info.hasAudio;
    const encoder = (this.encoder = new VideoEncoder(this.opts.output, {
      width: info.width,
      height: info.height,
      preset: this.opts.preset,
      crf: this.opts.crf,
      audio: wantAudio && !info.live ? { source: info.source, codec: info.audioCodec } : undefined,
    }));
    if (wantAudio && info.live) this.log.warn('live source: its audio is not carried into the output');
    let jsonl: JsonlWriter | null = null;
    let coco: CocoResultsWriter | null = null;
    let mot: MotWriter | null = null;
    let cvat: CvatVideoWriter | null = null;
    let zoneEvents: JsonLinesWriter | null = null;
    let frames = 0;
    let failed = 0;
    let stopped = false;
    let firstPtsMs: number | null = null;
    let lastPtsMs: number | null = null;
    const blank = blackYuv420(info.width, info.height);
    const events = new StreamEventFeed(this.transport, streamId);
    const items = this.transport.results(streamId)[Symbol.asyncIterator]();
    try {
      jsonl = new JsonlWriter(resultsPath);
      coco = this.opts.coco ? new CocoResultsWriter(this.opts.coco, { videoName: path.basename(this.opts.output) }) : null;
      mot = this.opts.mot ? new MotWriter(this.opts.mot) : null;
      cvat = this.opts.cvat ? new CvatVideoWriter(this.opts.cvat, { taskName: path.basename(this.opts.output) }) : null;
      zoneEvents = chain.hasEvents ? new JsonLinesWriter(eventsPathFor(this.opts.output)) : null;
      for (;;) {
        const step = await Promise.race([items.next(), this.stopRequested]);
        if (step === STOP) {
          stopped = true;
          // Not awaited: a generator's return() queues behind its pending next(), which may wait
          // for a result that never comes. Closing the transport ends it.
          void items.return?.().catch(() => undefined);
          break;
        }
        if (step.done) break;
        const { yuv } = step.value;
        const result = chain.process(step.value.result);
        let pixels = yuv;
        if (!pixels || pixels.length !== blank.length) {
          // The frame's pixels are gone (expired): keep timing with a black frame rather than a gap.
          pixels = blank;
          result.error ??= 'frame pixels lost';
        }
        if (result.error) failed++;
        else drawInstances({ yuv: pixels, width: info.width, height: info.height }, result.instances, this.opts.draw);
        chain.draw({ yuv: pixels, width: info.width, height: info.height });
        await encoder.write(pixels);
        for (const e of await events.before(result.seq)) await jsonl.writeEvent(e);
        await jsonl.write(result);
        await coco?.write(result);
        await mot?.write(result);
        await cvat?.write(result);
        for (const e of chain.takeEvents()) await zoneEvents?.write(e);
        await this.transport.ack(streamId, result.seq);
        frames++;
        this.written = frames;
        if (Number.isFinite(result.ptsMs)) { firstPtsMs ??= result.ptsMs; lastPtsMs = result.ptsMs; }
        hooks.onWritten?.(result);
      }
      const end = stopped ? null : await this.transport.streamEnd(streamId);
      // A stopped compositor leaves the later events to the one that resumes the stream.
      if (!stopped) for (const e of await events.rest()) await jsonl.writeEvent(e);
      if (frames === 0) throw new Error(stopped ? `stopped before any frame of stream '${streamId}' was written` : end?.error ?? `stream '${streamId}' ended with no frames`);
      await jsonl.finish();
      await coco?.finish();
      await mot?.finish();
      await cvat?.finish();
      await zoneEvents?.finish();
      // The video renames itself into place last of the slow steps; the results follow at once.
      await encoder.finish({
        frames,
        firstPtsMs: end ? end.firstPtsMs : firstPtsMs,
        lastPtsMs: end ? end.lastPtsMs : lastPtsMs,
        sourceDurationMs: stopped ? null : info.durationMs,
      });
      jsonl.commit();
      coco?.commit();
      mot?.commit();
      cvat?.commit();
      zoneEvents?.commit();
      if (failed) this.log.warn(`${failed} frame(s) failed and were written without annotations`, { failed });
      if (stopped) return { frames, failed, output: this.opts.output, results: resultsPath, end, stopped };
      await this.transport.finishStream(streamId, { frames, finishedAt: new Date().toISOString(), output: path.resolve(this.opts.output) });
      return { frames, failed, output: this.opts.output, results: resultsPath, end };
    } catch (err) {
      encoder.abort();
      jsonl?.abort();
      coco?.abort();
      mot?.abort();
      cvat?.abort();
      zoneEvents?.abort();
      throw err;
    }
  }
}
