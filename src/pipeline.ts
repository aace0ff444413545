import { randomBytes } from 'node:crypto';
import { Compositor, type CompositorOptions, type CompositorSummary } from './compositor/compositor.js';
import { Producer, type ProducerOptions } from './producer/producer.js';
import { FrameWorker, type FrameWorkerOptions } from './worker/frame-worker.js';
import { MemoryTransport } from './core/transport/memory-transport.js';
import { RedisTransport, type RedisTransportOptions } from './core/transport/redis-transport.js';
import type { Transport } from './core/transport/transport.js';
import { log as rootLog, type Logger } from './core/log.js';
import { Progress, expectedFrames } from './core/progress.js';
import type { EngineInfo } from './worker/inference-engine.js';
import { ShutdownGuard } from './core/shutdown-guard.js';
import { Metrics } from './core/metrics/metrics.js';

export interface RunOptions {
  input: string;
  output: string;
  results?: string;
  worker: FrameWorkerOptions;
  producer?: Omit<ProducerOptions, 'source' | 'streamId'>;
  compositor?: Omit<CompositorOptions, 'streamId' | 'output' | 'results'>;
  /** Go through Redis/BullMQ instead of memory. */
  redis?: Omit<RedisTransportOptions, 'maxInFlight'>;
  /** Frames in flight per stream. Default 16. */
  maxInFlight?: number;
  streamId?: string;
  /** Show progress (TTY line or periodic log lines). Default true. */
  progress?: boolean;
  /**
   * On SIGTERM/SIGINT, how long the graceful stop (end the stream, finish the frames decoded) may
   * take before the run abandons its frames and output.
   * @defaultValue 10 000 ms
   */
  shutdownTimeoutMs?: number;
  /**
   * The process's metrics, shared with other streams of the process; the stream's series carry
   * its id. @defaultValue a private one (nothing served)
   */
  metrics?: Metrics;
  /**
   * Told when the transport is up and before it closes: the CLI's metrics endpoint watches its
   * Redis (readiness PING, queue, registries) and makes its last registry report then.
   */
  observer?: { attach(transport: Transport): void; close(): Promise<void> };
}

export interface RunSummary extends CompositorSummary {
  streamId: string;
  wallMs: number;
  /** Sum of session.run time over all frames. */
  inferMs: number;
  /**
   * Frames per second between the first and the last frame written: the pipeline's throughput
   * without its fixed start and finish costs (model load, ffmpeg start, final mux).
   */
  steadyFps: number | null;
  engine: EngineInfo;
}

export function newStreamId(prefix = 'run'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * `segstream run`: producer, one worker and the compositor in one process. The transport is in
 * memory by default, or Redis when asked — the same role code either way.
 */
export async function runPipeline(opts: RunOptions, logger: Logger = rootLog): Promise<RunSummary> {
  const started = Date.now();
  const streamId = opts.streamId ?? newStreamId();
  const transport: Transport = opts.redis
    ? await RedisTransport.connect({ ...opts.redis, maxInFlight: opts.maxInFlight })
    : new MemoryTransport({ maxInFlight: opts.maxInFlight });
  const metrics = opts.metrics ?? new Metrics({ role: 'run', processMetrics: false });
  const stream = metrics.stream(streamId);
  // Producer and compositor of the stream are both here: what is in flight is counted locally.
  // (A frame the producer holds while the transport waits for capacity is not in flight yet.)
  metrics.watchInFlight(streamId, () => stream.counts.decoded - stream.counts.written - (stream.publishing ? 1 : 0));
  opts.observer?.attach(transport);
  const progress = new Progress(logger, { counters: stream.counts });
  let worker: FrameWorker | null = null;
  const producer = new Producer(transport, { ...opts.producer, source: opts.input, streamId, metrics }, logger);
  const compositor = new Compositor(transport, { ...opts.compositor, streamId, output: opts.output, results: opts.results, metrics }, logger);
  const guard = new ShutdownGuard({
    timeoutMs: opts.shutdownTimeoutMs,
    stop: () => {
      logger.warn('interrupted: finishing the frames already decoded (Ctrl-C again to abort)');
      producer.stop();
    },
    abandon: () => {
      compositor.abandon();
      worker?.abandon();
      transport.abandon();
      return `abandoning the run after ${compositor.frames} written frame(s): ${opts.output} was not written`;
    },
  });
  const run = async (): Promise<RunSummary> => {
    try {
      // Load the model first: a bad model fails before any decoding starts.
      worker = await FrameWorker.start(transport, { ...opts.worker, metrics }, {}, logger);
      if (opts.progress ?? true) progress.start();
      const composed = compositor.run();
      const produced = producer.run({
        onInfo: (info) => { progress.total = expectedFrames(info, { maxFrames: opts.producer?.maxFrames }); },
      });
      // Either side failing leaves the other waiting (a compositor for a stream that never comes, a
      // producer for capacity that is never freed): stop both; Promise.all reports the first failure.
      const stopAll = (): void => {
        producer.stop();
        void transport.close();
      };
      produced.catch(stopAll);
      composed.catch(stopAll);
      const [, summary] = await Promise.all([produced, composed]);
      const { firstWrittenAt, lastWrittenAt } = stream;
      const steadyFps = summary.frames > 1 && firstWrittenAt !== null && lastWrittenAt !== null ? (summary.frames - 1) / ((lastWrittenAt - firstWrittenAt) / 1000) : null;
      return { ...summary, streamId, wallMs: Date.now() - started, inferMs: stream.inferMs, steadyFps, engine: worker.info };
    } finally {
      progress.stop();
      await worker?.close();
      await opts.observer?.close();
      await transport.close();
    }
  };
  return guard.run(run());
}
