import path from 'node:path';
import type { MetricFamilies } from './families.js';
import { RateWindow } from './rate-window.js';

/** Per-frame timings from the inference thread (src/worker/inference-engine.ts). */
export interface FrameTimings {
  inferMs: number;
  preMs: number;
  postMs: number;
}

/** One loaded model in one process: its timing histograms, busy share and frame rate. */
export class ModelMetrics {
  /** The model's file name without `.onnx`: the `model` label (a path would differ per machine). */
  readonly model: string;
  frames = 0;
  errors = 0;
  readonly loadedAt = new Date().toISOString();
  readonly frameRate = new RateWindow();
  readonly busyRate = new RateWindow();
  private readonly inference;
  private readonly pre;
  private readonly post;

  constructor(modelPath: string, readonly device: string, private readonly f: MetricFamilies) {
    this.model = path.basename(modelPath).replace(/\.onnx$/i, '');
    this.inference = f.inference.labels(this.model, device);
    this.pre = f.preprocess.labels(this.model, device);
    this.post = f.postprocess.labels(this.model, device);
    f.inferenceErrors.labels(this.model, device).inc(0);
  }

  ran(t: FrameTimings): void {
    this.frames++;
    this.inference.observe(t.inferMs / 1000);
    this.pre.observe(t.preMs / 1000);
    this.post.observe(t.postMs / 1000);
    this.frameRate.add();
    this.busyRate.add(t.inferMs / 1000);
  }

  failed(): void {
    this.errors++;
    this.f.inferenceErrors.labels(this.model, this.device).inc();
  }

  /** session.run seconds per second over the last 10 s. */
  busyRatio(): number {
    return this.busyRate.rate();
  }
}
