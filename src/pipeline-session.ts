import { performance } from 'node:perf_hooks';
import { Compositor, type CompositorOptions, type CompositorSummary } from './compositor/compositor.js';
import { Producer, type ProducerOptions } from './producer/producer.js';
import { FrameWorker, type FrameWorkerOptions } from './worker/frame-worker.js';
import { MemoryTransport } from './core/transport/memory-transport.js';
import { RedisTransport, type RedisTransportOptions } from './core/transport/redis-transport.js';
import type { Transport } from './core/transport/transport.js';
import { log as rootLog, type Logger } from './core/log.js';
import type { EngineInfo } from './worker/inference-engine.js';
import type { FrameResult, StreamInfo } from './core/types.js';
import { Metrics } from './core/metrics/metrics.js';
import { StillCodecs } from './core/media/still-codecs.js';

export interface SessionOptions {
  worker: FrameWorkerOptions;
  /** Go through Redis/BullMQ instead of memory. */
  redis?: Omit<RedisTransportOptions, 'maxInFlight'>;
  /** Frames in flight per stream. @defaultValue 16 */
  maxInFlight?: number;
  /**
   * The process's metrics, shared with other streams of the process; each stream's series carry
   * its id. @defaultValue a private one (nothing served)
   */
  metrics?: Metrics;
  /**
   * Told when the transport is up and before it closes: the CLI's metrics endpoint watches its
   * Redis (readiness PING, queue, registries) and makes its last registry report then.
   */
  observer?: { attach(transport: Transport): void; close(): Promise<void> };
  /**
   * Idle long-lived still decoders (and as many encoders) kept for the photos to come: a batch
   * keeps one per input in flight. @defaultValue 4
   */
  stillsKept?: number;
}

/** One input of a session: where it comes from and where its outputs go. */
export interface StreamRunOptions {
  input: string;
  output: string;
  results?: string;
  streamId: string;
  producer?: Omit<ProducerOptions, 'source' | 'streamId'>;
  compositor?: Omit<CompositorOptions, 'streamId' | 'output' | 'results'>;
}

export interface StreamHooks {
  onInfo?(info: StreamInfo): void;
  onDecoded?(): void;
  onInferred?(r: FrameResult): void;
  onWritten?(r: FrameResult): void;
}

export interface StreamSummary extends CompositorSummary {
  streamId: string;
  wallMs: number;
  /** Sum of session.run time over this stream's frames. */
  inferMs: number;
  /** Frames per second between the first and the last frame written (null for one frame). */
  steadyFps: number | null;
}

/**
 * A transport and one worker (one loaded model) that any number of inputs go through, one after
 * another or several at once: `segstream run` with one input is a session of one stream, a batch
 * is a session of many. Each stream has its own producer and compositor, exactly as in a single
 * run; the worker takes frames of every stream from the one queue.
 */
export class PipelineSession {
  private readonly running = new Map<string, { hooks: StreamHooks; inferMs: number; producer: Producer; compositor: Compositor }>();

  private constructor(
    readonly transport: Transport,
    private readonly worker: FrameWorker,
    private readonly metrics: Metrics,
    private readonly observer: SessionOptions['observer'],
    private readonly log: Logger,
    /** Photos are decoded and encoded by long-lived ffmpeg processes, not one per photo each. */
    private readonly stills: StillCodecs,
  ) {}

  /** Connects the transport and loads the model (a bad model fails here, before any decoding). */
  static async open(opts: SessionOptions, logger: Logger = rootLog): Promise<PipelineSession> {
    const transport: Transport = opts.redis
      ? await RedisTransport.connect({ ...opts.redis, maxInFlight: opts.maxInFlight })
      : new MemoryTransport({ maxInFlight: opts.maxInFlight });
    const metrics = opts.metrics ?? new Metrics({ role: 'run', processMetrics: false });
    opts.observer?.attach(transport);
    let session: PipelineSession | null = null;
    try {
      const worker = await FrameWorker.start(transport, { ...opts.worker, metrics }, {
        onProcessed: (r) => {
          const s = session?.running.get(r.streamId);
          if (!s) return;
          s.inferMs += r.inferMs ?? 0;
          s.hooks.onInferred?.(r);
        },
      }, logger);
      session = new PipelineSession(transport, worker, metrics, opts.observer, logger, new StillCodecs(opts.stillsKept ?? 4));
      return session;
    } catch (err) {
      await opts.observer?.close();
      await transport.close();
      throw err;
    }
  }

  get engine(): EngineInfo { return this.worker.info; }

  /** Long-lived still decoders and encoders started so far (one per photo would be no reuse). */
  get stillProcesses(): { decoders: number; encoders: number } {
    return { decoders: this.stills.decoders.started, encoders: this.stills.encoders.started };
  }

  /** Frames written so far, over the streams running now. */
  get framesWritten(): number {
    let n = 0;
    for (const s of this.running.values()) n += s.compositor.frames;
    return n;
  }

  /** Decodes, infers and composes one input. A failure ends this stream only, never the session. */
  async runStream(o: StreamRunOptions, hooks: StreamHooks = {}): Promise<StreamSummary> {
    const started = Date.now();
    const { streamId } = o;
    const metrics = this.metrics;
    const stream = metrics.stream(streamId);
    // Producer and compositor of the stream are both here: what is in flight is counted locally.
    // (A frame the producer holds while the transport waits for capacity is not in flight yet.)
    metrics.watchInFlight(streamId, () => stream.counts.decoded - stream.counts.written - (stream.publishing ? 1 : 0));
    const stills = this.stills;
    const producer = new Producer(this.transport, { ...o.producer, source: o.input, streamId, metrics, stills }, this.log);
    const compositor = new Compositor(this.transport, { ...o.compositor, streamId, output: o.output, results: o.results, metrics, stills }, this.log);
    const entry = { hooks, inferMs: 0, producer, compositor };
    this.running.set(streamId, entry);
    let firstWrittenAt = 0;
    let lastWrittenAt = 0;
    let written = 0;
    try {
      const composed = compositor.run({
        onInfo: hooks.onInfo,
        onWritten: (r) => {
          lastWrittenAt = performance.now();
          if (written++ === 0) firstWrittenAt = lastWrittenAt;
          hooks.onWritten?.(r);
        },
      });
      const produced = producer.run({ onFrame: () => hooks.onDecoded?.() });
      // Either side failing leaves the other waiting (a compositor for a stream that never opens,
      // a producer for capacity that is never freed): stop both, and free the stream's frames.
      // The first failure is the cause (a bad input, a full disk); the other side's follows from it.
      let cause: { err: unknown } | null = null;
      produced.catch((err) => { cause ??= { err }; compositor.stop(); });
      composed.catch((err) => { cause ??= { err }; producer.stop(); void this.transport.dropStream(streamId).catch(() => undefined); });
      const [, composedResult] = await Promise.allSettled([produced, composed]);
      if (cause) throw (cause as { err: unknown }).err;
      if (composedResult.status === 'rejected') throw composedResult.reason;
      const summary = composedResult.value;
      const steadyFps = summary.frames > 1 ? (summary.frames - 1) / ((lastWrittenAt - firstWrittenAt) / 1000) : null;
      return { ...summary, streamId, wallMs: Date.now() - started, inferMs: entry.inferMs, steadyFps };
    } finally {
      this.running.delete(streamId);
    }
  }

  /** Graceful stop of every stream running: producers end their streams after the current frame. */
  stopStreams(): void {
    for (const s of this.running.values()) s.producer.stop();
  }

  /** Stops at once: no output of a running stream is written. */
  abandon(): void {
    this.stills.close();
    for (const s of this.running.values()) s.compositor.abandon();
    this.worker.abandon();
    this.transport.abandon();
  }

  async close(): Promise<void> {
    this.stills.close();
    try {
      await this.worker.close();
      await this.observer?.close();
    } finally {
      await this.transport.close();
    }
  }
}
