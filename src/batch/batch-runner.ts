/**
 * Runs a planned batch through one {@link PipelineSession}: one transport, one worker, the model
 * loaded once. Up to `parallel` inputs are in flight at once, so one input's decode, drawing and
 * encode overlap another's inference (what a photo, a one-frame stream, needs to keep the model
 * busy). Each input goes the way a single `segstream run` does (its own producer and compositor,
 * the same sinks); a failing input is one line and a row, and the batch goes on.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { compositorOutputs, type CompositorOptions } from '../compositor/compositor.js';
import type { ProducerOptions } from '../producer/producer.js';
import { log as rootLog, type Logger } from '../core/log.js';
import { prepareOutputs } from '../core/results/output-plan.js';
import { ShutdownGuard } from '../core/shutdown-guard.js';
import { newStreamId } from '../pipeline.js';
import { PipelineSession, type SessionOptions } from '../pipeline-session.js';
import type { EngineInfo } from '../worker/inference-engine.js';
import { BatchProgress } from './batch-progress.js';
import { isComplete, removeStalePartials, type PlannedItem } from './batch-plan.js';
import type { BatchRow } from './batch-summary.js';

export interface BatchRunOptions {
  session: SessionOptions;
  items: readonly PlannedItem[];
  /** Redo inputs whose outputs are complete. @defaultValue false (skip them) */
  overwrite?: boolean;
  /** Inputs in flight at once. @defaultValue 4 */
  parallel?: number;
  producer?: Omit<ProducerOptions, 'source' | 'streamId'>;
  compositor?: Omit<CompositorOptions, 'streamId' | 'output' | 'results'>;
  /** Zone/line events beside each output (their stage is on). */
  events?: boolean;
  /** Show overall progress. @defaultValue true */
  progress?: boolean;
  /** @defaultValue 10 000 ms */
  shutdownTimeoutMs?: number;
}

export interface BatchRunResult {
  /** One row per planned item, in batch order. */
  rows: BatchRow[];
  /** Items whose outputs exist now (written or found complete), in batch order. */
  complete: PlannedItem[];
  wallMs: number;
  /** Sum of session.run time over the frames inferred in this run. */
  inferMs: number;
  framesInferred: number;
  /**
   * Frames per second between the first and the last frame written: the batch's rate without the
   * model load and the first input's latency. Null under two frames.
   */
  steadyFps: number | null;
  engine: EngineInfo | null;
  /** Long-lived still decoders and encoders the photos went through (pipeline-session.ts). */
  stillProcesses: { decoders: number; encoders: number };
  /** A signal stopped it: inputs not started are not in `rows`. */
  stopped: boolean;
}

export const DEFAULT_BATCH_PARALLEL = 4;

/** Frames and instances of a finished input, counted from its JSONL (for the summary). */
export async function countJsonl(file: string): Promise<{ frames: number; instances: number }> {
  let frames = 0;
  let instances = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const f = JSON.parse(line) as { seq?: number; instances?: unknown[]; event?: string };
    if (f.event !== undefined || f.seq === undefined) continue;
    frames++;
    instances += f.instances?.length ?? 0;
  }
  return { frames, instances };
}

export async function runBatch(o: BatchRunOptions, logger: Logger = rootLog): Promise<BatchRunResult> {
  const started = Date.now();
  const rows = new Map<number, BatchRow>();
  const completeIdx = new Set<number>();
  const todo: PlannedItem[] = [];
  for (const item of o.items) {
    if (!o.overwrite && isComplete(item)) {
      const c = await countJsonl(item.results).catch(() => ({ frames: 0, instances: 0 }));
      rows.set(item.index, { input: item.rel, status: 'skipped', ...c, ms: 0, note: 'already done' });
      completeIdx.add(item.index);
    } else todo.push(item);
  }
  if (rows.size) logger.info(`skipping ${rows.size} input(s) whose outputs are complete (--overwrite redoes them)`);
  const progress = new BatchProgress(logger, o.items.length);
  progress.filesDone = rows.size;
  let session: PipelineSession | null = null;
  let stopping = false;
  let inferMs = 0;
  let framesInferred = 0;
  let written = 0;
  let firstWrittenAt = 0;
  let lastWrittenAt = 0;
  const guard = new ShutdownGuard({
    timeoutMs: o.shutdownTimeoutMs,
    // Inputs in progress are finished whole (a cut one would look complete to the next run).
    stop: () => { stopping = true; logger.warn('interrupted: finishing the inputs in progress, starting no new one (Ctrl-C again to abort them)'); },
    abandon: () => {
      session?.abandon();
      return 'abandoning the inputs in progress: their outputs were not written; the next run redoes them';
    },
  });

  const runOne = async (s: PipelineSession, item: PlannedItem): Promise<void> => {
    const t0 = Date.now();
    let frames = 0;
    let instances = 0;
    try {
      for (const p of removeStalePartials(item)) logger.info('removed a temporary file of an interrupted run', { file: p });
      prepareOutputs({
        inputs: [{ name: 'the input', path: item.input }, { name: '--model', path: o.session.worker.model }],
        outputs: compositorOutputs({ output: item.output, results: item.results, events: o.events && item.kind === 'video' }),
      }, logger);
      await s.runStream({
        input: item.input,
        output: item.output,
        results: item.results,
        streamId: newStreamId('batch'),
        // An image output is one picture: the first frame of whatever the input holds.
        producer: item.kind === 'image' ? { ...o.producer, maxFrames: 1, fps: undefined } : o.producer,
        // A photo has no tracks (nor zone crossings): no ids on its tags.
        compositor: item.kind === 'image' ? { ...o.compositor, stages: { track: false } } : o.compositor,
      }, {
        onInferred: (r) => { inferMs += r.inferMs ?? 0; framesInferred++; },
        onWritten: (r) => {
          frames++;
          instances += r.instances.length;
          progress.frames++;
          lastWrittenAt = performance.now();
          if (written++ === 0) firstWrittenAt = lastWrittenAt;
        },
      });
      rows.set(item.index, { input: item.rel, status: 'done', frames, instances, ms: Date.now() - t0 });
      completeIdx.add(item.index);
    } catch (err) {
      const msg = (err as Error).message.split('\n')[0];
      logger.error(`${item.rel}: ${msg}`);
      rows.set(item.index, { input: item.rel, status: 'failed', frames, instances, ms: Date.now() - t0, note: msg });
      progress.filesFailed++;
    } finally {
      progress.filesDone++;
    }
  };

  const run = async (): Promise<void> => {
    if (todo.length === 0) return;
    if (o.progress ?? true) progress.start();
    try {
      const parallel = Math.max(1, Math.min(o.parallel ?? DEFAULT_BATCH_PARALLEL, todo.length));
      session = await PipelineSession.open({ stillsKept: parallel, ...o.session }, logger);
      const s = session;
      let next = 0;
      const lane = async (): Promise<void> => {
        while (!stopping && next < todo.length) await runOne(s, todo[next++]);
      };
      await Promise.all(Array.from({ length: parallel }, lane));
    } finally {
      progress.stop();
      await (session as PipelineSession | null)?.close();
    }
  };
  await guard.run(run());
  const ordered = [...o.items].filter((i) => rows.has(i.index));
  return {
    rows: ordered.map((i) => rows.get(i.index)!),
    complete: o.items.filter((i) => completeIdx.has(i.index)),
    wallMs: Date.now() - started,
    inferMs,
    framesInferred,
    steadyFps: written > 1 ? (written - 1) / ((lastWrittenAt - firstWrittenAt) / 1000) : null,
    engine: (session as PipelineSession | null)?.engine ?? null,
    stillProcesses: (session as PipelineSession | null)?.stillProcesses ?? { decoders: 0, encoders: 0 },
    stopped: stopping,
  };
}

