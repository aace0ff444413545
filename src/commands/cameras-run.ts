/**
 * `segstream run --config cameras.yml`: every camera of the file in one process, in memory. The
 * cameras that use the same model (model, format, task and postprocessing but the score) share one
 * worker, so one model session, and the in-memory transport hands its frames out round-robin over
 * the streams. A camera whose source or output fails ends alone; the rest go on.
 */
import { DEFAULT_POSTPROCESS } from '../core/adapters/model-adapter.js';
import { Compositor, type CompositorSummary } from '../compositor/compositor.js';
import type { Logger } from '../core/log.js';
import { Progress } from '../core/progress.js';
import { ShutdownGuard } from '../core/shutdown-guard.js';
import { MemoryTransport } from '../core/transport/memory-transport.js';
import { CameraProducer } from './camera-producer.js';
import { FrameWorker, type FrameWorkerOptions } from '../worker/frame-worker.js';
import type { CameraPlan } from './camera-plan.js';
import { failureOf, reportOutcome, type CameraOutcome } from './camera-outcome.js';
import type { Metrics } from '../core/metrics/metrics.js';
import type { Transport } from '../core/transport/transport.js';
import type { FrameResult } from '../core/types.js';

export interface CamerasRunOptions {
  cameras: CameraPlan[];
  /** Frames per camera decoded but not yet composed. @defaultValue 16 */
  maxInFlight?: number;
  /** Graceful stop bound on SIGTERM/SIGINT. @defaultValue 10 000 ms */
  shutdownTimeoutMs?: number;
  /** The process's metrics endpoint (`--metrics-port`): every camera's series, one model check. */
  observer?: CamerasObserver;
  /** Told of every frame written, with its camera (an embedding program, bench/live-latency.ts). */
  onWritten?(cameraId: string, result: FrameResult): void;
}

/** What the camera runners need of the CLI's Observability (src/commands/observability.ts). */
export interface CamerasObserver {
  readonly metrics: Metrics;
  attach(transport: Transport, inFlightOf?: string[]): void;
  close(): Promise<void>;
}

/** Cameras that share a model session, with the worker options that serve them all. */
interface SessionGroup {
  worker: FrameWorkerOptions;
  cameras: CameraPlan[];
}

/**
 * Groups the cameras by session: everything in their worker options but the score decides. The
 * shared worker keeps detections down to the lowest score any of them needs (a tracker's low
 * threshold included); each camera's compositor then keeps its own score (the score floor stage).
 */
export function sessionGroups(cameras: CameraPlan[]): SessionGroup[] {
  const groups = new Map<string, SessionGroup>();
  for (const cam of cameras) {
    const { postprocess, trackLowScore: _, ...rest } = cam.worker;
    const { scoreThreshold: _score, ...post } = { ...DEFAULT_POSTPROCESS, ...postprocess };
    const key = JSON.stringify({ ...rest, post });
    const keep = keptScore(cam.worker);
    const group = groups.get(key);
    if (group) {
      group.cameras.push(cam);
      group.worker.postprocess!.scoreThreshold = Math.min(group.worker.postprocess!.scoreThreshold!, keep);
    } else {
      groups.set(key, { worker: { ...rest, postprocess: { ...post, scoreThreshold: keep } }, cameras: [cam] });
    }
  }
  return [...groups.values()];
}

/** What a camera shows and writes: its --score. */
export function displayScore(worker: FrameWorkerOptions): number {
  return worker.postprocess?.scoreThreshold ?? DEFAULT_POSTPROCESS.scoreThreshold;
}

/** What a camera needs from the worker: its score, or lower for its tracker. */
function keptScore(worker: FrameWorkerOptions): number {
  const score = displayScore(worker);
  return worker.trackLowScore !== undefined ? Math.min(score, worker.trackLowScore) : score;
}

interface CameraRoles {
  producer: CameraProducer;
  /** Started once the camera's stream is open (a camera still unreachable has none yet). */
  compositor: Compositor | null;
}

export async function runCameras(opts: CamerasRunOptions, logger: Logger): Promise<CameraOutcome[]> {
  const groups = sessionGroups(opts.cameras);
  const progress = new Progress(logger, { label: `${opts.cameras.length} cameras` });
  const workers: FrameWorker[] = [];
  const transports: MemoryTransport[] = [];
  const roles: CameraRoles[] = [];
  let stopping = false;
  const guard = new ShutdownGuard({
    timeoutMs: opts.shutdownTimeoutMs,
    stop: () => {
      stopping = true;
      logger.warn('interrupted: every camera finishes the frames already decoded (Ctrl-C again to abort)');
      for (const r of roles) r.producer.stop();
    },
    abandon: () => {
      for (const r of roles) r.compositor?.abandon();
      for (const w of workers) w.abandon();
      for (const t of transports) t.abandon();
      return `abandoning ${roles.length} camera(s) after ${progress.counters.written} written frame(s): their outputs were not written`;
    },
  });
  const run = async (): Promise<CameraOutcome[]> => {
    const outcomes: Promise<CameraOutcome>[] = [];
    try {
      progress.start();
      for (const group of groups) {
        // One transport per session: its worker takes only its own cameras' frames.
        const transport = new MemoryTransport({ maxInFlight: opts.maxInFlight });
        transports.push(transport);
        let worker: FrameWorker;
        try {
          worker = await FrameWorker.start(transport, { ...group.worker, metrics: opts.observer?.metrics }, {
            onProcessed: () => { progress.counters.inferred++; },
          }, logger);
        } catch (err) {
          // A model that does not load fails its cameras, not the others'.
          const error = `its model did not load: ${(err as Error).message.split('\n')[0]}`;
          for (const cam of group.cameras) outcomes.push(Promise.resolve(reportOutcome({ id: cam.id, frames: 0, error }, 'written', logger)));
          continue;
        }
        workers.push(worker);
        logger.info('model session shared', { model: group.worker.model, cameras: group.cameras.map((c) => c.id) });
        for (const plan of group.cameras) {
          if (stopping) break;
          outcomes.push(runCamera(plan, transport, progress, roles, logger, opts.observer?.metrics, opts.onWritten));
        }
      }
      return await Promise.all(outcomes);
    } finally {
      progress.stop();
      await Promise.all(workers.map((w) => w.close()));
      await opts.observer?.close();
      await Promise.all(transports.map((t) => t.close()));
    }
  };
  return guard.run(run());
}

async function runCamera(
  plan: CameraPlan, transport: MemoryTransport, progress: Progress, roles: CameraRoles[], logger: Logger,
  metrics?: Metrics, onWritten?: CamerasRunOptions['onWritten'],
): Promise<CameraOutcome> {
  const streamId = plan.id;
  const producer = new CameraProducer(transport, plan, logger, metrics);
  if (metrics) {
    const s = metrics.stream(streamId);
    metrics.watchInFlight(streamId, () => s.counts.decoded - s.counts.written - (s.publishing ? 1 : 0));
  }
  const roles_: CameraRoles = { producer, compositor: null };
  roles.push(roles_);
  const stages = { ...plan.compositor.stages, ...(plan.worker.task === 'semantic' ? {} : { scoreFloor: displayScore(plan.worker) }) };
  let composed: Promise<CompositorSummary> | null = null;
  // The compositor starts with the stream, so a camera that is retried for a while (camera-producer.ts)
  // has no compositor waiting on it, and one that never answers leaves none behind.
  const startCompositor = (): void => {
    const compositor = (roles_.compositor = new Compositor(transport, { ...plan.compositor, stages, streamId, output: plan.output, results: plan.results, metrics }, logger));
    composed = compositor.run({
      onWritten: (r) => { progress.counters.written++; if (r.error) progress.counters.failed++; onWritten?.(plan.id, r); },
    });
    // An output that failed leaves the producer waiting for room that will not be freed: dropping
    // the stream wakes it.
    composed.catch(() => { producer.stop(); void transport.dropStream(streamId).catch(() => undefined); });
  };
  const produced = producer.run({ onInfo: startCompositor, onFrame: () => { progress.counters.decoded++; } });
  produced.catch(() => roles_.compositor?.stop());
  const [p] = await Promise.allSettled([produced]);
  const [c] = composed ? await Promise.allSettled([composed as Promise<CompositorSummary>]) : [null];
  const written = c?.status === 'fulfilled' ? c.value : null;
  const error = p.status === 'rejected'
    ? failureOf(p.reason, null)
    : c?.status === 'rejected' ? failureOf(c.reason, null) : failureOf(undefined, written?.end) ?? (written?.stopped ? 'stopped on request before its stream ended' : undefined);
  return reportOutcome({
    id: streamId,
    frames: written?.frames ?? 0,
    ...(error ? { error } : {}),
    ...(written ? { wrote: plan.segmented ? `the segments of ${written.output.replaceAll('{stream}', streamId)}, each with its JSONL` : `${written.output} and ${written.results}` } : {}),
  }, 'written', logger);
}
