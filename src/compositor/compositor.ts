import { drawResult, type DrawOptions } from '../core/render/index.js';
import { blackYuv420, yuv420Size } from '../core/yuv420.js';
import { datasetPathFor } from '../core/results/coco-writer.js';
import { buildSinks } from './sinks/registry.js';
import type { Sink } from './sinks/sink.js';
import { checkOutputs, type NamedPath } from '../core/results/output-plan.js';
import { StreamEventFeed } from './stream-event-feed.js';
import { freeName } from '../core/results/free-name.js';
import { buildResultChain, type StageOptions } from './stages/registry.js';
import type { ResultChain } from './stages/result-chain.js';
import path from 'node:path';
import type { Logger } from '../core/log.js';
import { log as rootLog } from '../core/log.js';
import { HEARTBEAT_TTL_MS, type ComposeItem, type Transport } from '../core/transport/transport.js';
import type { FrameResult, StreamEnd, StreamInfo } from '../core/types.js';
import { StopRequest, STOPPED } from '../core/stop-request.js';
import type { HlsOptions } from './sinks/hls-sink.js';
import type { ThumbnailOptions } from './sinks/thumbnail-sink.js';
import { Metrics } from '../core/metrics/metrics.js';
import type { StillCodecs } from '../core/media/still-codecs.js';
import type { StreamMetrics } from '../core/metrics/stream-metrics.js';
import type { CvatShapeKind } from '../core/results/cvat-tracks.js';

export interface CompositorOptions {
  streamId: string;
  /** Annotated H.264 MP4 to write, or an image (.jpg, .jpeg, .png, .bmp, .webp) for a one-frame input. */
  output: string;
  /** JPEG/WebP quality 1..100 of an image output. @defaultValue 90 */
  jpegQuality?: number;
  /** Long-lived still encoders for an image output (a session's). @defaultValue an ffmpeg per image */
  stills?: StillCodecs;
  /** JSONL results path. Default: the output path with `.jsonl`. */
  results?: string;
  /** Also write COCO results (a pycocotools loadRes list) here, plus `<name>.dataset.json`. */
  coco?: string;
  /** Also write the tracks as MOTChallenge text here. */
  mot?: string;
  /** Also write the tracks as CVAT for video 1.1 XML here. */
  cvat?: string;
  /** What the CVAT tracks are made of. @defaultValue 'polygon' */
  cvatShapes?: CvatShapeKind;
  /** Copy the source's audio when it has one and the compositor can read the source. Default true. */
  audio?: boolean;
  /** x264 preset. Default 'veryfast'. */
  preset?: string;
  /** x264 CRF. Default 23. */
  crf?: number;
  draw?: DrawOptions;
  /** Cut the video into segments (src/compositor/sinks/segmented-mp4-sink.ts); `output` is then a pattern. */
  segment?: SegmentOptions;
  /** Also publish the annotated stream as live HLS (src/compositor/sinks/hls-sink.ts). */
  hls?: HlsOptions;
  /** Publish a small JPEG of the latest annotated frame every few seconds (src/compositor/sinks/thumbnail-sink.ts). */
  thumbnail?: ThumbnailOptions;
  /**
   * Result stages before drawing (tracking, zones). A compositor started again on a partly
   * composed stream (Redis) resumes them as they were after the last frame acked: each ack stores
   * their state with the composed count.
   * @defaultValue tracking on, ByteTrack with its defaults
   */
  stages?: StageOptions;
  /**
   * How long to wait for the producer to register an unknown stream.
   * @defaultValue 600 000 ms
   */
  waitMs?: number;
  /**
   * The process's metrics: frames written and failed, decode-to-written latency, compose state.
   * @defaultValue a private one (nothing served)
   */
  metrics?: Metrics;
}

export interface SegmentOptions {
  /** Seconds of source time per segment. */
  seconds: number;
  /** Delete the oldest finished segments of the stream once they are older than this. @defaultValue no limit */
  keepHours?: number;
  /** Delete the oldest finished segments of the stream while they hold more than this. @defaultValue no limit */
  keepGb?: number;
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

const TICK = Symbol('tick');
/** How often a compositor waiting for frames looks at its producer's heartbeat. */
const HEARTBEAT_CHECK_MS = 2000;

export function defaultResultsPath(output: string): string {
  return output.replace(/\.[^./\\]*$/, '') + '.jsonl';
}

/** Where zone/line events go: beside the video, `<name>.events.jsonl`. */
export function eventsPathFor(output: string): string {
  return output.replace(/\.[^./\\]*$/, '') + '.events.jsonl';
}

/** Every file a compositor writes, named as the command line names them (for output-plan.ts). */
export function compositorOutputs(o: { output: string; results?: string; coco?: string; mot?: string; cvat?: string; events?: boolean; segment?: SegmentOptions }): NamedPath[] {
  // Segments get fresh names, never one that exists (segmented-mp4-sink.ts).
  if (o.segment) return [];
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
  /** Every wait below races it, so a stop never waits for Redis. */
  private readonly stopRequest = new StopRequest();
  private sinks: Sink[] = [];
  private written = 0;
  /** This stream's counters in the process's metrics. */
  readonly metrics: StreamMetrics;

  constructor(private readonly transport: Transport, private readonly opts: CompositorOptions, logger: Logger = rootLog) {
    this.log = logger.child({ role: 'compositor', stream: opts.streamId });
    this.metrics = (opts.metrics ?? new Metrics({ role: 'compose', processMetrics: false })).stream(opts.streamId);
  }

  /** Frames written to the outputs so far. */
  get frames(): number { return this.written; }

  /** Finish the frame being written, then close the outputs with the frames written so far. */
  stop(): void { this.stopRequest.request(); }

  /** Kills the encoder at once: no output is written (an existing file of that name is left as it was). */
  abandon(): void {
    this.stopRequest.request();
    for (const s of this.sinks) s.abort();
  }

  /**
   * The next result, or STOPPED. While it waits, it watches the producer's heartbeat: a producer
   * gone without ending its stream gets the segment in progress finalised, and a log line.
   */
  private async nextItem(items: AsyncIterator<ComposeItem>): Promise<IteratorResult<ComposeItem> | typeof STOPPED> {
    const next = items.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<typeof TICK>((r) => { timer = setTimeout(() => r(TICK), HEARTBEAT_CHECK_MS); });
      // Both short-lived: neither outlives this wait, so the race leaks nothing.
      const step = await this.stopRequest.race(Promise.race([next, tick]));
      clearTimeout(timer);
      if (step !== TICK) return step;
      await this.watchProducer();
    }
  }

  private producerGone = false;

  private async watchProducer(): Promise<void> {
    const id = this.opts.streamId;
    const alive = await this.transport.producerAlive(id);
    if (alive === !this.producerGone) return;
    if (alive) {
      this.producerGone = false;
      this.log.info(`producer of stream '${id}' is back`);
      return;
    }
    if (await this.transport.streamEnd(id)) return; // ended: the results still due come anyway
    this.producerGone = true;
    for (const s of this.sinks) await s.finalize?.();
    const what = this.opts.segment ? 'segment finalised, waiting' : 'waiting';
    this.log.warn(`producer of stream '${id}' is gone (no heartbeat for ${HEARTBEAT_TTL_MS / 1000} s): ${what}`);
  }

  private async waitForStream(hooks: CompositorHooks): Promise<StreamInfo> {
    const { streamId } = this.opts;
    const waitMs = this.opts.waitMs ?? DEFAULT_COMPOSE_WAIT_MS;
    let found = await this.transport.lookupStream(streamId);
    if (found.state === 'unknown') {
      hooks.onWaiting?.(waitMs);
      const waited = await this.stopRequest.race(this.transport.lookupStream(streamId, waitMs));
      if (waited === STOPPED) throw new Error(`stopped while waiting for stream '${streamId}' to be produced`);
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

  /**
   * A compositor that starts on a stream another one already composed part of (it was killed)
   * resumes at the transport's composed count. Segmented recordings number on by themselves; a
   * single video goes to `NAME.resumed-SEQ.mp4` beside the first, never over it.
   */
  private async resumedOptions(): Promise<CompositorOptions & { resumeSeq: number }> {
    const resumeSeq = await this.transport.composedCount(this.opts.streamId);
    if (resumeSeq === 0 || this.opts.segment) return { ...this.opts, resumeSeq };
    const tag = (p: string) => freeName(p.replace(/(\.[^./\\]*)$/, `.resumed-${resumeSeq}$1`));
    const output = tag(this.opts.output);
    const resumed = {
      ...this.opts,
      resumeSeq,
      output,
      results: tag(this.opts.results ?? defaultResultsPath(this.opts.output)),
      coco: this.opts.coco ? tag(this.opts.coco) : undefined,
      mot: this.opts.mot ? tag(this.opts.mot) : undefined,
      cvat: this.opts.cvat ? tag(this.opts.cvat) : undefined,
    };
    this.log.warn(`stream '${this.opts.streamId}' was partly composed before (frames 0-${resumeSeq - 1}): resuming at frame ${resumeSeq} into ${output}`);
    return resumed;
  }

  /**
   * The result stages as they were after the last frame the previous compositor acked (each ack
   * stores them with the composed count), so tracks keep their ids across the restart.
   */
  private async resumeStages(chain: ResultChain, resumeSeq: number): Promise<void> {
    const saved = await this.transport.composedState(this.opts.streamId);
    if (saved === null) {
      if (chain.snapshotJson() !== undefined) this.log.warn(`no saved tracker state for frame ${resumeSeq - 1}: track ids start at 1 again`);
      return;
    }
    try {
      const done = chain.restoreJson(saved);
      this.log.info(`resumed the result stages as they were after frame ${resumeSeq - 1}: ${done.join('; ') || 'none saved'}`);
    } catch (err) {
      chain.reset();
      this.log.warn(`the saved tracker state cannot be read (${(err as Error).message}): track ids start at 1 again`);
    }
  }

  async run(hooks: CompositorHooks = {}): Promise<CompositorSummary> {
    if (this.opts.hls) this.metrics.hls = path.resolve(this.opts.hls.dir);
    this.metrics.composing('waiting');
    try {
      const summary = await this.compose(hooks);
      this.metrics.composing(summary.stopped ? 'stopped' : 'finished');
      return summary;
    } catch (err) {
      this.metrics.composing('failed');
      throw err;
    }
  }

  private async compose(hooks: CompositorHooks): Promise<CompositorSummary> {
    const { streamId } = this.opts;
    const info = await this.waitForStream(hooks);
    // The source is known only now (compose reads it from Redis): it must not be one of our outputs.
    const chain = buildResultChain(this.opts.stages);
    checkOutputs({ inputs: [{ name: "the stream's source", path: info.source }], outputs: compositorOutputs({ ...this.opts, events: chain.hasEvents }) });
    hooks.onInfo?.(info);
    const opts = await this.resumedOptions();
    if (opts.resumeSeq > 0 && this.transport.outlivesCompositor) await this.resumeStages(chain, opts.resumeSeq);
    this.metrics.composing('composing', info, path.resolve(opts.output));
    const resultsPath = opts.results ?? defaultResultsPath(opts.output);
    const sinks = (this.sinks = buildSinks({ ...opts, zoneEvents: chain.hasEvents }, this.log));
    let frames = 0;
    let failed = 0;
    let stopped = false;
    let firstPtsMs: number | null = null;
    let lastPtsMs: number | null = null;
    // Made only when a frame's pixels are lost: a photo's stream would pay 1.4 MB for nothing.
    const frameBytes = yuv420Size(info.width, info.height);
    let blank: Uint8Array | null = null;
    const events = new StreamEventFeed(this.transport, streamId, opts.resumeSeq);
    const items = this.transport.results(streamId)[Symbol.asyncIterator]();
    try {
      for (const s of sinks) await s.open(info);
      for (;;) {
        const step = await this.nextItem(items);
        if (step === STOPPED) {
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
        if (!pixels || pixels.length !== frameBytes) {
          // The frame's pixels are gone (expired): keep timing with a black frame rather than a gap.
          pixels = blank ??= blackYuv420(info.width, info.height);
          result.error ??= 'frame pixels lost';
        }
        if (result.error) failed++;
        else drawResult({ yuv: pixels, width: info.width, height: info.height }, result, this.opts.draw);
        chain.draw({ yuv: pixels, width: info.width, height: info.height });
        for (const e of await events.before(result.seq)) for (const s of sinks) await s.event(e);
        const stageEvents = chain.takeEvents();
        for (const s of sinks) await s.write({ result, yuv: pixels, stageEvents });
        await this.transport.ack(streamId, result.seq, this.transport.outlivesCompositor ? chain.snapshotJson() : undefined);
        frames++;
        this.written = frames;
        if (Number.isFinite(result.ptsMs)) { firstPtsMs ??= result.ptsMs; lastPtsMs = result.ptsMs; }
        this.metrics.written(result);
        hooks.onWritten?.(result);
      }
      const end = stopped ? null : await this.transport.streamEnd(streamId);
      // A stopped compositor leaves the later events to the one that resumes the stream.
      if (!stopped) for (const e of await events.rest()) for (const s of sinks) await s.event(e);
      if (frames === 0) throw new Error(stopped ? `stopped before any frame of stream '${streamId}' was written` : end?.error ?? `stream '${streamId}' ended with no frames`);
      for (const s of sinks) await s.close({ end, frames, firstPtsMs, lastPtsMs });
      for (const s of sinks) s.commit();
      if (failed) this.log.warn(`${failed} frame(s) failed and were written without annotations`, { failed });
      if (stopped) return { frames, failed, output: opts.output, results: resultsPath, end, stopped };
      await this.transport.finishStream(streamId, { frames, finishedAt: new Date().toISOString(), output: path.resolve(opts.output) });
      return { frames, failed, output: opts.output, results: resultsPath, end };
    } catch (err) {
      for (const s of sinks) s.abort();
      throw err;
    }
  }
}
