import { randomBytes } from 'node:crypto';
import type { CompositorOptions, CompositorSummary } from './compositor/compositor.js';
import type { ProducerOptions } from './producer/producer.js';
import type { FrameWorkerOptions } from './worker/frame-worker.js';
import type { RedisTransportOptions } from './core/transport/redis-transport.js';
import { log as rootLog, type Logger } from './core/log.js';
import { Progress, expectedFrames } from './core/progress.js';
import type { EngineInfo } from './worker/inference-engine.js';
import { ShutdownGuard } from './core/shutdown-guard.js';
import { PipelineSession } from './pipeline-session.js';
import type { Metrics } from './core/metrics/metrics.js';
import type { Transport } from './core/transport/transport.js';

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
 * memory by default, or Redis when asked — the same role code either way. A session of one
 * stream (pipeline-session.ts); a batch (src/batch) is a session of many.
 */
export async function runPipeline(opts: RunOptions, logger: Logger = rootLog): Promise<RunSummary> {
  const started = Date.now();
  const streamId = opts.streamId ?? newStreamId();
  const progress = new Progress(logger);
  let session: PipelineSession | null = null;
  let stopRequested = false;
  const guard = new ShutdownGuard({
    timeoutMs: opts.shutdownTimeoutMs,
    stop: () => {
      logger.warn('interrupted: finishing the frames already decoded (Ctrl-C again to abort)');
      stopRequested = true;
      session?.stopStreams();
    },
    abandon: () => {
      const written = session?.framesWritten ?? 0;
      session?.abandon();
      return `abandoning the run after ${written} written frame(s): ${opts.output} was not written`;
    },
  });
  const run = async (): Promise<RunSummary> => {
    try {
      // Load the model first: a bad model fails before any decoding starts.
      session = await PipelineSession.open({ worker: opts.worker, redis: opts.redis, maxInFlight: opts.maxInFlight, metrics: opts.metrics, observer: opts.observer }, logger);
      if (opts.progress ?? true) progress.start();
      const pending = session.runStream(
        { input: opts.input, output: opts.output, results: opts.results, streamId, producer: opts.producer, compositor: opts.compositor },
        {
          onInfo: (info) => { progress.total = expectedFrames(info, { maxFrames: opts.producer?.maxFrames }); },
          onDecoded: () => { progress.counters.decoded++; },
          onInferred: () => { progress.counters.inferred++; },
          onWritten: (r) => { progress.counters.written++; if (r.error) progress.counters.failed++; },
        },
      );
      if (stopRequested) session.stopStreams();
      const s = await pending;
      return { ...s, wallMs: Date.now() - started, engine: session.engine };
    } finally {
      progress.stop();
      await session?.close();
    }
  };
  return guard.run(run());
}
