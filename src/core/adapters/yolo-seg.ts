/**
 * YOLO-seg (Ultralytics v8 / 11) exported to ONNX.
 *
 * Input: float32 [1,3,inH,inW] RGB 0..1, letterboxed (aspect kept, centred, padded with 114/255).
 * Outputs (identified by rank): `output0` [1, 4+nc+nm, A] — per anchor cx,cy,w,h in input px, nc
 * class scores (already sigmoid), nm (32) mask coefficients — and `output1` [1, nm, mh, mw] mask
 * prototypes. No NMS inside the graph.
 *
 * Postprocess order keeps the work proportional to what survives: best class per anchor → score
 * threshold (anchors below it cost nothing more) → boxes to frame px → our NMS → max instances →
 * only then, for the kept instances, mask = sigmoid(coeffs · protos) inside the box's proto
 * region → pasteProtoMask (crop to the box, un-letterbox, threshold, RLE).
 */
import * as ort from 'onnxruntime-node';
import type { BoxXYXY, Instance } from '../types.js';
import type { ModelAdapter, PostprocessOptions, PreparedInput, Yuv420Image, TensorAllocator } from './model-adapter.js';
import { newTensorData } from './model-adapter.js';
import type { ModelFamily } from './model-family.js';
import { imageInput, rankOf, shapeOf, staticDim } from './signature.js';
import { letterbox, type TensorLayout } from '../geometry.js';
import { imageTensor } from './image-tensor.js';
import { COCO80_CATEGORY_IDS, COCO80_LABELS, sameLabels } from '../labels.js';
import { nms } from '../nms.js';
import { pasteProtoMask } from '../mask-paste.js';

export const YOLO_PAD_VALUE = 114 / 255;
export const YOLO_DEFAULT_INPUT_SIZE = 640;

export interface YoloSegAdapterInit {
  /** Name of the image input. Default 'images'. */
  inputName?: string;
  /** Model input width/height in px. Default 640x640. */
  inputWidth?: number;
  inputHeight?: number;
  /** Number of classes, when known from the output shape (4+nc+32). Used to pick default labels. */
  numClasses?: number;
  /** Class names by class index. Default COCO-80 when nc is 80 (or unknown), else 'class N'. */
  labels?: readonly string[];
  /** classId per class index. Default: COCO category ids with the default COCO-80 labels, else the index. */
  categoryIds?: readonly number[];
}

/** Letterbox geometry kept from preprocess for postprocess. */
export interface YoloContext {
  scale: number;
  padX: number;
  padY: number;
  inW: number;
  inH: number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export class YoloSegAdapter implements ModelAdapter {
  readonly format = 'yolo-seg' as const;
  readonly labels: readonly string[];
  readonly categoryIds?: readonly number[];
  readonly inputWidth: number;
  readonly inputHeight: number;
  private readonly inputName: string;
  private readonly numClasses: number | undefined;
  // Scratch reused across frames (postprocess is synchronous, so no interleaving).
  private bestScore = new Float32Array(0);
  private bestClass = new Int32Array(0);
  private protoAcc = new Float32Array(0);

  constructor(init: YoloSegAdapterInit = {}) {
    this.inputName = init.inputName ?? 'images';
    this.inputWidth = init.inputWidth ?? YOLO_DEFAULT_INPUT_SIZE;
    this.inputHeight = init.inputHeight ?? this.inputWidth;
    const nc = init.numClasses ?? init.labels?.length;
    this.numClasses = init.numClasses;
    if (init.labels) this.labels = init.labels;
    else if (nc === undefined || nc === COCO80_LABELS.length) this.labels = COCO80_LABELS;
    else this.labels = Array.from({ length: nc }, (_, i) => `class ${i}`);
    this.categoryIds = init.categoryIds ?? (sameLabels(this.labels, COCO80_LABELS) ? COCO80_CATEGORY_IDS : undefined);
  }

  preprocess(image: Yuv420Image, alloc: TensorAllocator = newTensorData): PreparedInput {
    const { width: w, height: h } = image;
    const lb = letterbox(w, h, this.inputWidth, this.inputHeight);
    const layout: TensorLayout = {
      tensorW: lb.inW,
      tensorH: lb.inH,
      resizedW: lb.resizedW,
      resizedH: lb.resizedH,
      offsetX: lb.padX,
      offsetY: lb.padY,
      channelOrder: 'rgb',
      scale: 1 / 255,
      mean: [0, 0, 0],
      padValue: YOLO_PAD_VALUE,
    };
    const context: YoloContext = { scale: lb.scale, padX: lb.padX, padY: lb.padY, inW: lb.inW, inH: lb.inH };
    return { feeds: { [this.inputName]: imageTensor(image, layout, 4, alloc) }, context };
  }

  postprocess(
    outputs: Record<string, ort.Tensor>,
    input: PreparedInput,
    image: { width: number; height: number },
    options: PostprocessOptions,
  ): Instance[] {
    const ctx = input.context as YoloContext;
    const W = image.width;
    const H = image.height;
    let pred: ort.Tensor | undefined;
    let protoT: ort.Tensor | undefined;
    for (const t of Object.values(outputs)) {
      if (t.dims.length === 3) pred ??= t;
      else if (t.dims.length === 4) protoT ??= t;
    }
    if (!pred || !protoT) {
      const seen = Object.entries(outputs)
        .map(([n, t]) => `${n} ${t.type}[${t.dims.join(',')}]`)
        .join(', ');
      throw new Error(`YOLO-seg outputs must be [1,4+nc+nm,A] and [1,nm,mh,mw]; got ${seen}`);
    }
    const nm = protoT.dims[1];
    const mh = protoT.dims[2];
    const mw = protoT.dims[3];
    const p = pred.data as Float32Array;
    const protos = protoT.data as Float32Array;
    if (!(p instanceof Float32Array) || !(protos instanceof Float32Array)) {
      throw new Error(`YOLO-seg outputs must be float32, got ${pred.type} and ${protoT.type}`);
    }
    // Ultralytics exports [1, C, A] (channel-major); accept the transposed [1, A, C] too.
    let C: number;
    let A: number;
    let cs: number; // stride between channels
    let as: number; // stride between anchors
    const d1 = pred.dims[1];
    const d2 = pred.dims[2];
    const known = this.numClasses !== undefined ? 4 + this.numClasses + nm : undefined;
    const channelMajor =
      known !== undefined && (d1 === known || d2 === known) ? d1 === known : d1 - 4 - nm > 0 && d1 <= d2;
    if (channelMajor) {
      C = pred.dims[1];
      A = pred.dims[2];
      cs = A;
      as = 1;
    } else {
      A = pred.dims[1];
      C = pred.dims[2];
      cs = 1;
      as = C;
    }
    const nc = C - 4 - nm;
    if (nc <= 0) throw new Error(`YOLO-seg output0 [${pred.dims.join(',')}] leaves no room for classes with ${nm} mask coefficients`);

    // 1. best class per anchor (class-outer loop: sequential reads in the channel-major layout).
    if (this.bestScore.length < A) {
      this.bestScore = new Float32Array(A);
      this.bestClass = new Int32Array(A);
    }
    const best = this.bestScore;
    const bestCls = this.bestClass;
    best.fill(-Infinity, 0, A);
    for (let c = 0; c < nc; c++) {
      const base = (4 + c) * cs;
      for (let a = 0; a < A; a++) {
        const v = p[base + a * as];
        if (v > best[a]) {
          best[a] = v;
          bestCls[a] = c;
        }
      }
    }

    // 2. score threshold first: count, then fill exactly-sized candidate arrays.
    const thr = options.scoreThreshold;
    let m = 0;
    for (let a = 0; a < A; a++) if (best[a] >= thr) m++;
    if (m === 0) return [];
    const boxes = new Float32Array(m * 4);
    const scores = new Float32Array(m);
    const classes = new Int32Array(m);
    const anchors = new Int32Array(m);
    const { scale, padX, padY } = ctx;
    let k = 0;
    for (let a = 0; a < A; a++) {
      const sc = best[a];
      if (!(sc >= thr)) continue;
      const o = a * as;
      const cx = p[o];
      const cy = p[o + cs];
      const bw = p[o + 2 * cs];
      const bh = p[o + 3 * cs];
      const x1 = Math.min(Math.max((cx - bw / 2 - padX) / scale, 0), W);
      const y1 = Math.min(Math.max((cy - bh / 2 - padY) / scale, 0), H);
      const x2 = Math.min(Math.max((cx + bw / 2 - padX) / scale, 0), W);
      const y2 = Math.min(Math.max((cy + bh / 2 - padY) / scale, 0), H);
      if (!(x2 > x1 && y2 > y1)) continue;
      boxes[k * 4] = x1;
      boxes[k * 4 + 1] = y1;
      boxes[k * 4 + 2] = x2;
      boxes[k * 4 + 3] = y2;
      scores[k] = sc;
      classes[k] = bestCls[a];
      anchors[k] = a;
      k++;
    }
    if (k === 0) return [];

    // 3. our NMS + max instances.
    const keep = nms(boxes.subarray(0, k * 4), scores.subarray(0, k), classes.subarray(0, k), {
      iouThreshold: options.iouThreshold,
      classAgnostic: options.classAgnostic,
      maxDetections: options.maxInstances,
    });

    // 4. masks, kept instances only.
    const plane = mh * mw;
    if (this.protoAcc.length < plane) this.protoAcc = new Float32Array(plane);
    const acc = this.protoAcc;
    const map = { scale, padX, padY, inW: ctx.inW, inH: ctx.inH };
    const sx = mw / ctx.inW;
    const sy = mh / ctx.inH;
    const instances: Instance[] = [];
    for (let j = 0; j < keep.length; j++) {
      const c = keep[j];
      const a = anchors[c];
      const box: BoxXYXY = [boxes[c * 4], boxes[c * 4 + 1], boxes[c * 4 + 2], boxes[c * 4 + 3]];
      // The box's region in proto px, with a 2 px margin for the bilinear upsample at its edges.
      const px0 = Math.max(0, Math.floor((box[0] * scale + padX) * sx) - 2);
      const py0 = Math.max(0, Math.floor((box[1] * scale + padY) * sy) - 2);
      const px1 = Math.min(mw, Math.ceil((box[2] * scale + padX) * sx) + 2);
      const py1 = Math.min(mh, Math.ceil((box[3] * scale + padY) * sy) + 2);
      acc.fill(0, 0, plane);
      const coefBase = a * as + (4 + nc) * cs;
      for (let q = 0; q < nm; q++) {
        const coef = p[coefBase + q * cs];
        const pb = q * plane;
        for (let y = py0; y < py1; y++) {
          const row = y * mw;
          for (let x = px0; x < px1; x++) acc[row + x] += coef * protos[pb + row + x];
        }
      }
      for (let y = py0; y < py1; y++) {
        const row = y * mw;
        for (let x = px0; x < px1; x++) acc[row + x] = sigmoid(acc[row + x]);
      }
      const rle = pasteProtoMask(acc.subarray(0, plane), mw, mh, map, box, W, H, options.maskThreshold);
      const k = classes[c];
      instances.push({
        classId: this.categoryIds?.[k] ?? k,
        label: this.labels[k] ?? `class ${k}`,
        score: scores[c],
        box,
        mask: rle,
      });
    }
    return instances;
  }
}

/** One rank-4 input and two outputs, of ranks 3 (predictions) and 4 (mask prototypes). */
export const yoloSegFamily: ModelFamily<'yolo-seg'> = {
  formats: ['yolo-seg'],
  task: 'instances',
  describe: {
    'yolo-seg': 'YOLO-seg (Ultralytics v8, 11): input [1,3,H,W], outputs [1,4+nc+nm,A] [1,nm,mh,mw]',
  },
  matches({ inputs, outputs }) {
    const ranks = outputs.map(rankOf).sort((a, b) => a - b).join();
    return inputs.length === 1 && inputs[0]?.isTensor && rankOf(inputs[0]) === 4 && ranks === '3,4' ? 'yolo-seg' : null;
  },
  create(_format, signature, manifest) {
    const input = imageInput(signature);
    const fallback = manifest?.inputSize ?? YOLO_DEFAULT_INPUT_SIZE;
    const pred = signature.outputs.find((o) => rankOf(o) === 3);
    const proto = signature.outputs.find((o) => rankOf(o) === 4);
    const c = pred ? staticDim(shapeOf(pred)?.[1]) : undefined;
    const nm = proto ? staticDim(shapeOf(proto)?.[1]) : undefined;
    const numClasses = c !== undefined && nm !== undefined && c - 4 - nm > 0 ? c - 4 - nm : undefined;
    return new YoloSegAdapter({
      inputName: input.name,
      inputWidth: staticDim(input.shape?.[3]) ?? fallback,
      inputHeight: staticDim(input.shape?.[2]) ?? fallback,
      ...(numClasses !== undefined ? { numClasses } : {}),
      ...(manifest?.labels ? { labels: manifest.labels } : {}),
      ...(manifest?.categoryIds ? { categoryIds: manifest.categoryIds } : {}),
    });
  },
};
