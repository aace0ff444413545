import os from 'node:os';
import type { ModelFormat, PostprocessOptions } from '../core/adapters/model-adapter.js';
import { DEFAULT_POSTPROCESS } from '../core/adapters/model-adapter.js';
import type { Logger } from '../core/log.js';
import { log as rootLog } from '../core/log.js';
import type { ConsumerHandle, Transport } from '../core/transport/transport.js';
import type { FrameResult } from '../core/types.js';
import { InferenceEngine, type EngineInfo } from './inference-engine.js';
import { reniceThisThread } from '../core/priority.js';
import { Metrics } from '../core/metrics/metrics.js';
import type { ModelMetrics } from '../core/metrics/model-metrics.js';

export interface FrameWorkerOptions {
  /** Path to the .onnx model. */
  model: string;
  /** Execution provider. 'cuda' falls back to 'cpu' with a warning. Default 'cpu'. */
  device?: 'cpu' | 'cuda';
  /** Force the model family instead of detecting it from the signature. */
  format?: ModelFormat;
  /** onnxruntime intra-op threads. Default: all cores. */
  threads?: number;
  postprocess?: Partial<PostprocessOptions>;
  /**
   * What `model` is. 'semantic': each result carries a semantic map and no instances.
   * @defaultValue 'instances'
   */
  task?: 'instances' | 'semantic';
  /** Panoptic: a semantic model run on every frame beside the instance `model`. */
  semanticModel?: string;
  /** Force the semantic model's family (`--semantic-format`). */
  semanticFormat?: ModelFormat;
  /** Frames taken at once (the next is fetched while the model runs). Default 2. */
  concurrency?: number;
  /**
   * Keep detections down to this score for the compositor's tracker (its second, low-score
   * stage); results then carry the user's score threshold as `displayScore`, the compositor draws
   * and writes only those above it. Unset: the score threshold alone decides.
   */
  trackLowScore?: number;
  /**
   * The process's metrics: inference, pre/postprocessing times and frames inferred per stream.
   * The model appears in it once loaded (what makes a worker ready). @defaultValue a private one
   */
  metrics?: Metrics;
}

/** Loads the model once, then runs every frame the transport hands it. */
export class FrameWorker {
  private constructor(
    private readonly engine: InferenceEngine,
    private readonly handle: ConsumerHandle,
    readonly info: EngineInfo,
    /** The loaded model's timings and frame counts. */
    readonly metrics: ModelMetrics,
  ) {}

  static async start(
    transport: Transport,
    opts: FrameWorkerOptions,
    hooks: { onProcessed?(r: FrameResult): void } = {},
    logger: Logger = rootLog,
  ): Promise<FrameWorker> {
    const log = logger.child({ role: 'worker' });
    const post = { ...DEFAULT_POSTPROCESS, ...opts.postprocess };
    const displayScore = opts.trackLowScore !== undefined && opts.trackLowScore < post.scoreThreshold ? post.scoreThreshold : undefined;
    if (displayScore !== undefined) post.scoreThreshold = opts.trackLowScore!;
    const engine = await InferenceEngine.start({
      modelPath: opts.model,
      device: opts.device ?? 'cpu',
      format: opts.format,
      intraOpThreads: opts.threads ?? os.availableParallelism(),
      postprocess: post,
      ...(opts.task ? { task: opts.task } : {}),
      ...(opts.semanticModel
        ? { semantic: { modelPath: opts.semanticModel, device: opts.device ?? 'cpu', ...(opts.semanticFormat ? { format: opts.semanticFormat } : {}) } }
        : {}),
    });
    // From here on this thread (in `segstream run` decoding and drawing) yields to the model's
    // threads, started above at normal priority (src/core/priority.ts). Not where it renews
    // BullMQ locks: a starved renewal loses the job.
    if (!transport.leasesJobs) reniceThisThread();
    if (engine.info.fallbackReason) log.warn(engine.info.fallbackReason);
    log.info('model loaded', { model: opts.model, format: engine.info.format, device: engine.info.device });
    if (engine.info.semanticFormat) log.info('semantic model loaded', { model: opts.semanticModel, format: engine.info.semanticFormat });
    if (engine.info.trained === false) log.warn('this model is untrained (its manifest says so): its detections are not meaningful');
    const metrics = opts.metrics ?? new Metrics({ role: 'work', processMetrics: false });
    const model = metrics.model(opts.model, engine.info.device);
    const handle = await transport.consume(
      async (job, yuv): Promise<FrameResult> => {
        let out;
        try {
          out = await engine.infer(yuv, job.width, job.height);
        } catch (err) {
          model.failed();
          throw err;
        }
        model.ran(out);
        metrics.stream(job.streamId).inferred(out.inferMs);
        return { ...job, instances: out.instances, ...(out.semantic ? { semantic: out.semantic } : {}), inferMs: out.inferMs, ...(displayScore !== undefined ? { displayScore } : {}) };
      },
      {
        concurrency: opts.concurrency ?? 2,
        onProcessed: (r) => {
          if (r.error) log.warn('frame failed', { stream: r.streamId, seq: r.seq, error: r.error });
          hooks.onProcessed?.(r);
        },
      },
    );
    return new FrameWorker(engine, handle, engine.info, model);
  }

  /** Finishes the frames in progress (BullMQ hands back nothing unfinished), then stops. */
  async close(): Promise<void> {
    await this.handle.close();
    await this.engine.close();
  }

  /** Frames being processed right now. */
  get active(): number { return this.handle.active; }

  /** Stops at once, mid-frame: leased frames go back to other workers when their leases lapse. */
  abandon(): void {
    this.handle.abandon();
    void this.engine.close().catch(() => undefined);
  }
}
