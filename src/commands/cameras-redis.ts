/**
 * `segstream produce --config` and `segstream compose --config`: every camera's producer, or every
 * camera's compositor, in one process over one Redis transport, with any number of `segstream
 * work` processes between them. Each camera ends on its own; the others go on.
 */
import type { ThumbnailOptions } from '../compositor/sinks/thumbnail-sink.js';
import { Compositor } from '../compositor/compositor.js';
import type { Logger } from '../core/log.js';
import { Progress } from '../core/progress.js';
import { ShutdownGuard } from '../core/shutdown-guard.js';
import { RedisTransport, type RedisTransportOptions } from '../core/transport/redis-transport.js';
import { CameraProducer } from './camera-producer.js';
import type { CameraPlan } from './camera-plan.js';
import { failureOf, reportOutcome, type CameraOutcome } from './camera-outcome.js';
import type { CamerasObserver } from './cameras-run.js';

export interface CamerasRedisOptions {
  cameras: CameraPlan[];
  redis: RedisTransportOptions;
  /** Graceful stop bound on SIGTERM/SIGINT. @defaultValue 10 000 ms */
  shutdownTimeoutMs?: number;
  /** The process's metrics endpoint (`--metrics-port`) and stream registry reports. */
  observer?: CamerasObserver;
  /** compose: every camera's dashboard thumbnail. */
  thumbnail?: ThumbnailOptions;
}

export async function produceCameras(opts: CamerasRedisOptions, logger: Logger): Promise<CameraOutcome[]> {
  const transport = await RedisTransport.connect({ ...opts.redis, failFast: true });
  opts.observer?.attach(transport, opts.cameras.map((c) => c.id));
  const progress = new Progress(logger, { lead: 'decoded', show: ['decoded'], label: `produce ${opts.cameras.length} cameras` });
  const producers = opts.cameras.map((plan) => ({ plan, producer: new CameraProducer(transport, plan, logger, opts.observer?.metrics) }));
  const guard = new ShutdownGuard({
    timeoutMs: opts.shutdownTimeoutMs,
    stop: () => { logger.warn('stopping: every camera ends its stream after the current frame'); for (const p of producers) p.producer.stop(); },
    abandon: () => {
      transport.abandon();
      return `abandoning ${producers.length} stream(s) after ${progress.counters.decoded} decoded frame(s), without their end records`;
    },
  });
  const produce = async (): Promise<CameraOutcome[]> => {
    try {
      progress.start();
      return await Promise.all(producers.map(async ({ plan, producer }): Promise<CameraOutcome> => {
        try {
          const end = await producer.run({ onFrame: () => { progress.counters.decoded++; } });
          const error = failureOf(undefined, end);
          return reportOutcome({ id: plan.id, frames: end.frames, ...(error ? { error } : {}) }, 'published', logger);
        } catch (err) {
          return reportOutcome({ id: plan.id, frames: 0, error: failureOf(err, null)! }, 'published', logger);
        }
      }));
    } finally {
      progress.stop();
      await opts.observer?.close();
      await transport.close();
    }
  };
  return guard.run(produce());
}

export async function composeCameras(opts: CamerasRedisOptions, logger: Logger): Promise<CameraOutcome[]> {
  const transport = await RedisTransport.connect(opts.redis);
  opts.observer?.attach(transport, opts.cameras.map((c) => c.id));
  const progress = new Progress(logger, { lead: 'written', show: ['written'], label: `compose ${opts.cameras.length} cameras` });
  const compositors = opts.cameras.map((plan) => {
    // Workers keep what their own --score says; a camera's own score (above it) is applied here.
    const stages = { ...plan.compositor.stages, ...(plan.score !== undefined ? { scoreFloor: plan.score } : {}) };
    return { plan, compositor: new Compositor(transport, { ...plan.compositor, stages, streamId: plan.id, output: plan.output, results: plan.results, waitMs: plan.waitMs, metrics: opts.observer?.metrics, thumbnail: opts.thumbnail }, logger) };
  });
  const guard = new ShutdownGuard({
    timeoutMs: opts.shutdownTimeoutMs,
    stop: () => { logger.warn('stopping: every camera closes its outputs after the frame being written'); for (const c of compositors) c.compositor.stop(); },
    abandon: () => {
      for (const c of compositors) c.compositor.abandon();
      transport.abandon();
      return `abandoning ${compositors.length} stream(s) after ${progress.counters.written} written frame(s): their outputs were not written`;
    },
  });
  const compose = async (): Promise<CameraOutcome[]> => {
    try {
      progress.start();
      return await Promise.all(compositors.map(async ({ plan, compositor }): Promise<CameraOutcome> => {
        try {
          const s = await compositor.run({
            onWaiting: (waitMs) => logger.info(`waiting for stream '${plan.id}' to be produced (up to ${Math.round(waitMs / 1000)} s)`, { camera: plan.id }),
            onWritten: (r) => { progress.counters.written++; if (r.error) progress.counters.failed++; },
          });
          const error = s.stopped ? `stopped on request after ${s.frames} frames; stream '${plan.id}' is not finished` : failureOf(undefined, s.end);
          const wrote = plan.segmented ? `the segments of ${s.output.replaceAll('{stream}', plan.id)}, each with its JSONL` : `${s.output} and ${s.results}`;
          return reportOutcome({ id: plan.id, frames: s.frames, wrote, ...(error ? { error } : {}) }, 'written', logger);
        } catch (err) {
          return reportOutcome({ id: plan.id, frames: compositor.frames, error: failureOf(err, null)! }, 'written', logger);
        }
      }));
    } finally {
      progress.stop();
      await opts.observer?.close();
      await transport.close();
    }
  };
  return guard.run(compose());
}
