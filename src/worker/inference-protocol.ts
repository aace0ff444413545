/**
 * Messages between the three parties of one worker process:
 *
 *   main thread  ──yuv──▶  inference thread (pre/postprocessing)  ──tensors──▶  session thread
 *                ◀─instances─                                     ◀─outputs───  (session.run only)
 *
 * onnxruntime-node's session.run blocks its thread, so it gets a thread of its own; the inference
 * thread prepares the next frame and pastes the previous one's masks meanwhile, and the main
 * thread (transport, BullMQ lock renewal, drawing in `segstream run`) does neither.
 */
import type * as ort from 'onnxruntime-node';
import type { ModelFormat, ModelManifest, PostprocessOptions } from '../core/adapters/model-adapter.js';
import type { ValueInfo } from '../core/adapters/signature.js';

/** What the session thread needs to open the model. */
export interface SessionConfig {
  modelPath: string;
  device: 'cpu' | 'cuda';
  format?: ModelFormat;
  /** onnxruntime intra-op threads. Default: all cores. */
  intraOpThreads?: number;
  /**
   * A semantic model's map is decoded in the session thread, where onnxruntime wrote the scores
   * into the decoder's memory: a result then carries the map, not the score tensor (77 MB for 21
   * classes at 720p, which would cost a copy as long as the argmax to move).
   */
  decodeSemantic?: boolean;
}

/** Passed as workerData when the inference thread starts. */
export interface InferenceThreadConfig extends SessionConfig {
  postprocess: PostprocessOptions;
  /** What `modelPath` is: an instance or a semantic segmentation model. Default 'instances'. */
  task?: 'instances' | 'semantic';
  /** Panoptic: a semantic model run on every frame too, in a session thread of its own. */
  semantic?: Omit<SessionConfig, 'intraOpThreads'>;
}

// ── main thread ⇄ inference thread ──

export type ToInference = { type: 'infer'; id: number; yuv: Uint8Array; width: number; height: number };

export type FromInference =
  | {
      type: 'ready';
      format: ModelFormat;
      device: 'cpu' | 'cuda';
      fallbackReason?: string;
      name?: string;
      trained?: boolean;
      /** The semantic model's, when there is one beside an instance model. */
      semanticFormat?: ModelFormat;
    }
  | { type: 'init-error'; message: string }
  | {
      type: 'result';
      id: number;
      instances: import('../core/types.js').Instance[];
      semantic?: import('../core/types.js').SemanticRegion[];
      inferMs: number;
      preMs: number;
      postMs: number;
      /** Input tensor buffers allocated so far by the inference thread (the rest were reused). */
      inputBuffersAllocated: number;
    }
  | { type: 'error'; id: number; message: string };

// ── inference thread ⇄ session thread ──

/** A tensor as it crosses a thread boundary (its buffer is transferred, not copied). */
export interface WireTensor {
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: readonly number[];
}

/** `frame`: the frame's size, for a session that decodes the semantic map (SessionConfig.decodeSemantic). */
export type ToSession = { type: 'run'; id: number; feeds: Record<string, WireTensor>; frame?: { width: number; height: number } };

/**
 * `recycled` hands the feeds' buffers back, to be reused for a later frame's input tensor instead
 * of allocating (and zero-filling) megabytes per frame.
 */
export type FromSession =
  | {
      type: 'ready';
      device: 'cpu' | 'cuda';
      fallbackReason?: string;
      inputMetadata: readonly ValueInfo[];
      outputMetadata: readonly ValueInfo[];
      manifest?: ModelManifest;
    }
  | { type: 'init-error'; message: string }
  | {
      type: 'result';
      id: number;
      /** Empty when `semantic` is set. */
      outputs: Record<string, WireTensor>;
      /** The decoded map (decodeSemantic sessions) and its decoding time. */
      semantic?: import('../core/types.js').SemanticRegion[];
      decodeMs?: number;
      inferMs: number;
      recycled: ArrayBuffer[];
    }
  | { type: 'error'; id: number; message: string; recycled: ArrayBuffer[] };
