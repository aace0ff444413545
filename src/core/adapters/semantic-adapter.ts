/**
 * The adapter both semantic families share (torchvision-semantic.ts, unet-semantic.ts): the frame
 * resized (stretched) to the tensor size, RGB or BGR, (value/255 - mean) / std per channel; one
 * [1,C,h,w] score output at any stride, turned into the frame-size map by {@link SemanticDecoder}.
 *
 * Once a tensor size has been run, {@link SemanticSegAdapter.fetches} asks for the score output
 * alone, pre-allocated in the decoder's argmax memory: the model writes its scores where the
 * argmax reads them (a 21-class 720p map is 77 MB; copying it costs as much as the argmax).
 */
import * as ort from 'onnxruntime-node';
import type { SemanticRegion } from '../types.js';
import type { ModelFormat, PreparedInput, SemanticModelAdapter, TensorAllocator, Yuv420Image } from './model-adapter.js';
import { newTensorData } from './model-adapter.js';
import type { TensorLayout } from '../geometry.js';
import { imageTensor } from './image-tensor.js';
import { SemanticDecoder } from '../semantic-argmax.js';

export interface SemanticAdapterInit {
  /** Name of the image input. */
  inputName: string;
  /** Name of the score output; absent: the first rank-4 output. */
  outputName?: string;
  /** Class names by index; absent: 'class N' (one channel: background, foreground). */
  labels?: readonly string[];
  /**
   * The tensor's size: fixed [height, width], or null to follow the frame (each side rounded to
   * `multipleOf`, and shrunk so the short side is at most `maxShortSide`).
   * @defaultValue null
   */
  size?: [number, number] | null;
  /** @defaultValue 1 */
  multipleOf?: number;
  /** @defaultValue Infinity */
  maxShortSide?: number;
  /** @defaultValue 'rgb' */
  channelOrder?: 'rgb' | 'bgr';
  /** Subtracted from value/255, per channel in tensor order. @defaultValue [0, 0, 0] */
  mean?: [number, number, number];
  /** Divides the mean-subtracted value, per channel. @defaultValue [1, 1, 1] */
  std?: [number, number, number];
  /**
   * One-channel outputs: foreground threshold; absent: 0.5 when every score lies in 0..1
   * (probabilities), else 0 (logits).
   */
  threshold?: number;
}

export class SemanticSegAdapter implements SemanticModelAdapter {
  readonly task = 'semantic' as const;
  readonly labels: readonly string[];
  private readonly decoder = new SemanticDecoder();
  /** Score output name and dims per input tensor shape ("1x3xHxW"), learned from the first run at that size. */
  private readonly shapes = new Map<string, { name: string; dims: readonly number[] }>();
  /** The buffer handed out by the last fetches(), if the model is to write into it. */
  private target: { name: string; dims: readonly number[]; data: Float32Array } | null = null;

  constructor(readonly format: ModelFormat, private readonly init: SemanticAdapterInit) {
    this.labels = init.labels ?? [];
  }

  /** Tensor [height, width] for a frame. */
  tensorSize(width: number, height: number): [number, number] {
    if (this.init.size) return this.init.size;
    const m = this.init.multipleOf ?? 1;
    const shrink = Math.min(1, (this.init.maxShortSide ?? Infinity) / Math.min(width, height));
    const side = (v: number) => Math.max(m, Math.round((v * shrink) / m) * m);
    return [side(height), side(width)];
  }

  preprocess(image: Yuv420Image, alloc: TensorAllocator = newTensorData): PreparedInput {
    const [th, tw] = this.tensorSize(image.width, image.height);
    const mean = this.init.mean ?? [0, 0, 0];
    const layout: TensorLayout = {
      tensorW: tw,
      tensorH: th,
      resizedW: tw,
      resizedH: th,
      offsetX: 0,
      offsetY: 0,
      channelOrder: this.init.channelOrder ?? 'rgb',
      scale: 1 / 255,
      mean,
      padValue: 0,
    };
    const tensor = imageTensor(image, layout, 4, alloc);
    const std = this.init.std;
    if (std && std.some((s) => s !== 1)) {
      const data = tensor.data as Float32Array;
      const plane = tw * th;
      for (let c = 0; c < 3; c++) {
        const k = 1 / std[c];
        for (let i = c * plane, end = i + plane; i < end; i++) data[i] *= k;
      }
    }
    return { feeds: { [this.init.inputName]: tensor }, context: null };
  }

  /**
   * What to pass as session.run's fetches for `input`: the score output alone, in a buffer of the
   * decoder's, when a run at this tensor size has shown its shape; else undefined (all outputs).
   * The next postprocess reads the scores from that buffer.
   */
  fetches(input: PreparedInput): Record<string, ort.Tensor> | undefined {
    const shape = this.shapes.get(sizeKey(input));
    this.target = null;
    if (!shape) return undefined;
    const data = this.decoder.scoreView(shape.dims.reduce((a, b) => a * b, 1));
    this.target = { ...shape, data };
    return { [shape.name]: new ort.Tensor('float32', data, shape.dims) };
  }

  postprocess(outputs: Record<string, ort.Tensor>, input: PreparedInput, image: { width: number; height: number }): SemanticRegion[] {
    const entry = this.init.outputName
      ? Object.entries(outputs).find(([n]) => n === this.init.outputName)
      : Object.entries(outputs).find(([, o]) => o.dims.length === 4);
    const t = entry?.[1];
    if (!entry || !t || t.dims.length !== 4 || t.type !== 'float32') {
      this.target = null;
      const seen = Object.entries(outputs).map(([n, o]) => `${n} ${o.type}[${o.dims.join(',')}]`).join(', ');
      throw new Error(`semantic model output must be float32 [1,C,h,w]; got ${seen}`);
    }
    const [, C, h, w] = t.dims as [number, number, number, number];
    const key = sizeKey(input);
    if (!this.shapes.has(key)) {
      // Photos of many sizes would keep adding sizes: remember the recent ones only.
      if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
      this.shapes.set(key, { name: entry[0], dims: [...t.dims] });
    }
    // onnxruntime fills a pre-allocated output and also returns a copy: read the original.
    const target = this.target;
    this.target = null;
    const data = target && target.name === entry[0] && sameDims(target.dims, t.dims) ? target.data : (t.data as Float32Array);
    let threshold = this.init.threshold;
    if (C === 1 && threshold === undefined) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      threshold = lo >= 0 && hi <= 1 ? 0.5 : 0;
    }
    const labels = this.labels.length > 0 ? this.labels : C === 1 ? ['background', 'foreground'] : Array.from({ length: C }, (_, i) => `class ${i}`);
    return this.decoder.decode({ data, classes: C, height: h, width: w }, image.width, image.height, labels, threshold === undefined ? {} : { threshold });
  }
}

/** Tensor sizes whose score shape is remembered. */
const MAX_SHAPES = 16;

/** The image input's dims as a key (the score shape follows from them). */
function sizeKey(input: PreparedInput): string {
  const t = Object.values(input.feeds)[0];
  return t ? t.dims.join('x') : '';
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
