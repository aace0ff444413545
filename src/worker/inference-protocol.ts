import type { ModelFormat, PostprocessOptions } from '../core/adapters/model-adapter.js';
import type { Instance } from '../core/types.js';

/** Passed as workerData when the inference thread starts. */
export interface InferenceThreadConfig {
  modelPath: string;
  device: 'cpu' | 'cuda';
  format?: ModelFormat;
  /** onnxruntime intra-op threads. Default: all cores. */
  intraOpThreads?: number;
  postprocess: PostprocessOptions;
}

export type ToThread = { type: 'infer'; id: number; rgb: Uint8Array; width: number; height: number };

export type FromThread =
  | { type: 'ready'; format: ModelFormat; device: 'cpu' | 'cuda'; fallbackReason?: string; labels: number; name?: string; trained?: boolean }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; instances: Instance[]; inferMs: number; preMs: number; postMs: number }
  | { type: 'error'; id: number; message: string };
