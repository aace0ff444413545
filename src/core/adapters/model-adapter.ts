import type * as ort from 'onnxruntime-node';
import type { Instance, SemanticRegion } from '../types.js';
import type { Yuv420Image } from '../yuv420.js';

/** Our postprocessing knobs, the same for every model family. */
export interface PostprocessOptions {
  /** Drop instances scoring below this. Default 0.5. */
  scoreThreshold: number;
  /** IoU above which NMS suppresses the lower-scoring box. Default 0.5. */
  iouThreshold: number;
  /** NMS across classes instead of per class. Default false. */
  classAgnostic: boolean;
  /** Keep at most this many instances per frame, highest scores first. Default 100. */
  maxInstances: number;
  /** Mask probability at or above which a pixel belongs to the instance. Default 0.5. */
  maskThreshold: number;
}

export const DEFAULT_POSTPROCESS: PostprocessOptions = {
  scoreThreshold: 0.5,
  iouThreshold: 0.5,
  classAgnostic: false,
  maxInstances: 100,
  maskThreshold: 0.5,
};

/** A frame as the adapters see it: I420 (src/core/yuv420.ts). */
export type { Yuv420Image };

/** Returns a Float32Array of exactly `length` elements, contents unspecified. */
export type TensorAllocator = (length: number) => Float32Array;

export const newTensorData: TensorAllocator = (length) => new Float32Array(length);

/** Feeds for session.run plus whatever the adapter needs to map outputs back to the frame. */
export interface PreparedInput {
  feeds: Record<string, ort.Tensor>;
  /** Adapter-private geometry (scale, padding) for postprocess. */
  context: unknown;
}

/** The model formats we know (registry.ts). Picked from the ONNX signature, or forced with `--format`. */
export type { ModelFormat } from './registry.js';
import type { ModelFormat } from './registry.js';

/**
 * One adapter per model family: turns a frame into the model's input tensors and the model's
 * outputs into {@link Instance}s in frame pixels. Stateless per frame; safe to reuse.
 */
export interface ModelAdapter {
  /** Instance segmentation (absent means the same). */
  readonly task?: 'instances';
  readonly format: ModelFormat;
  /** Class names indexed by the model's class index. */
  readonly labels: readonly string[];
  /**
   * The `classId` reported for each model class index, when the two differ: COCO-80 models
   * (YOLO, Model Zoo) report COCO category ids, so every COCO model speaks the same ids
   * (person 1, car 3) whatever its family. Absent: classId is the model's own index.
   */
  readonly categoryIds?: readonly number[];
  /**
   * @param alloc where the input tensor's Float32Array comes from (a pool of recycled buffers, so
   *   a 720p frame does not allocate and zero-fill 11 MB); its contents are garbage and every
   *   element must be written. Default: a new array.
   */
  preprocess(image: Yuv420Image, alloc?: TensorAllocator): PreparedInput;
  postprocess(
    outputs: Record<string, ort.Tensor>,
    input: PreparedInput,
    image: { width: number; height: number },
    options: PostprocessOptions,
  ): Instance[];
}

/**
 * A semantic segmentation family's adapter: the frame in, one class per pixel out, as a
 * frame-size map with one RLE per present class (src/core/semantic-argmax.ts).
 */
export interface SemanticModelAdapter {
  readonly task: 'semantic';
  readonly format: ModelFormat;
  /** Class names indexed by the model's class index (= the reported classId). */
  readonly labels: readonly string[];
  /** As {@link ModelAdapter.preprocess}. */
  preprocess(image: Yuv420Image, alloc?: TensorAllocator): PreparedInput;
  postprocess(outputs: Record<string, ort.Tensor>, input: PreparedInput, image: { width: number; height: number }): SemanticRegion[];
  /**
   * session.run's fetches for `input` (pre-allocated outputs the next postprocess reads in
   * place), or undefined for all outputs. Call it right before the run that postprocess follows.
   */
  fetches?(input: PreparedInput): Record<string, ort.Tensor> | undefined;
}

/** Either task's adapter; `task === 'semantic'` tells them apart. */
export type AnyModelAdapter = ModelAdapter | SemanticModelAdapter;

/** Sidecar `<model>.json` next to `<model>.onnx`. Every field optional. */
export interface ModelManifest {
  name?: string;
  format?: ModelFormat;
  labels?: string[];
  trained?: boolean;
  /** classId to report per model class index (see ModelAdapter.categoryIds). */
  categoryIds?: number[];
  /** YOLO-seg only: the square input size if the graph's input is dynamic. */
  inputSize?: number;
  /**
   * How the graph wants its input (models/export_maskrcnn.py writes it). The zoo adapter reads
   * `resize.minSize` / `resize.maxSize` (short side / long-side cap, default 800 / 1333),
   * `padMultiple` (default 32) and `mean` (B, G, R; default [102.9801, 115.9465, 122.7717]).
   * For torchvision exports `resize` is the graph's own resize: frames larger than that are
   * shrunk to it before the tensor is built.
   */
  input?: ManifestInputSpec;
  /** What the model outputs; semantic models' manifests say 'semantic' (informational: the format decides). */
  task?: 'instances' | 'semantic';
}

/** See {@link ModelManifest.input}. Other keys (notes, dtype, layout...) are informational. */
export interface ManifestInputSpec {
  name?: string;
  /** Channel order of the tensor. */
  color?: 'RGB' | 'BGR';
  /** Per-channel means subtracted, in the tensor's channel order. */
  mean?: number[];
  padMultiple?: number;
  resize?: { minSize?: number; maxSize?: number };
  /** Semantic models: per-channel std the (mean-subtracted, 0..1) values are divided by. */
  std?: number[];
  /** Semantic models: the working size [height, width] every frame is resized to. */
  size?: [number, number];
  /** Semantic models with dynamic input: tensor sides are rounded to a multiple of this. */
  multipleOf?: number;
  [key: string]: unknown;
}
