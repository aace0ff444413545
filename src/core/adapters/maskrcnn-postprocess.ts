/**
 * Postprocessing shared by every Mask R-CNN family (torchvision full / 28x28, ONNX Model Zoo):
 * score threshold → boxes to frame px and clipped → our NMS (class-aware or agnostic) → max
 * instances → masks (paste 28x28 into the box, or threshold a full-size map inside the box) → RLE.
 * Masks are only touched for the instances that survive.
 */
import type * as ort from 'onnxruntime-node';
import type { BoxXYXY, Instance, Rle } from '../types.js';
import type { PostprocessOptions } from './model-adapter.js';
import { nms } from '../nms.js';
import { pasteFullMask, pasteMask } from '../mask-paste.js';

/** The four Mask R-CNN outputs, however the graph named them. */
export interface MaskRcnnOutputs {
  boxes: ort.Tensor;
  labels: ort.Tensor;
  scores: ort.Tensor;
  masks: ort.Tensor;
}

/**
 * How the `masks` output relates to the frame:
 * - `roi`: [N,1,mh,mw] (28x28) probability maps each covering its own box;
 * - `full`: [N,1,H,W] probability maps covering the whole model input (torchvision pastes back
 *   to its input's size: the frame, or the size the frame was shrunk to for the graph).
 */
export type MaskKind = 'roi' | 'full';

export interface MaskRcnnGeometry {
  /** Multiply the model's box x coordinates by this to get frame px (1 for torchvision, 1/scaleX for zoo). */
  boxScaleX: number;
  /** Same for y. */
  boxScaleY: number;
  maskKind: MaskKind;
}

/** Outputs named boxes/labels/scores/masks (torchvision export). */
export function pickOutputsByName(outputs: Record<string, ort.Tensor>): MaskRcnnOutputs {
  const { boxes, labels, scores, masks } = outputs;
  if (!boxes || !labels || !scores || !masks) {
    throw new Error(
      `Mask R-CNN outputs must be named boxes/labels/scores/masks, got [${Object.keys(outputs).join(', ')}]`,
    );
  }
  return { boxes, labels, scores, masks };
}

/**
 * Outputs identified by rank and type, not by name (ONNX Model Zoo exports name them by node
 * number): boxes rank 2 [N,4], labels integer rank 1, scores float rank 1, masks rank 4.
 */
export function pickOutputsByShape(outputs: Record<string, ort.Tensor>): MaskRcnnOutputs {
  let boxes: ort.Tensor | undefined;
  let labels: ort.Tensor | undefined;
  let scores: ort.Tensor | undefined;
  let masks: ort.Tensor | undefined;
  for (const t of Object.values(outputs)) {
    const rank = t.dims.length;
    if (rank === 2 && t.dims[1] === 4) boxes ??= t;
    else if (rank === 4) masks ??= t;
    else if (rank === 1 && (t.type === 'int64' || t.type === 'int32')) labels ??= t;
    else if (rank === 1 && (t.type === 'float32' || t.type === 'float64')) scores ??= t;
  }
  if (!boxes || !labels || !scores || !masks) {
    const seen = Object.entries(outputs)
      .map(([n, t]) => `${n} ${t.type}[${t.dims.join(',')}]`)
      .join(', ');
    throw new Error(
      `cannot identify Mask R-CNN outputs (want boxes [N,4], labels int [N], scores float [N], masks [N,1,h,w]); got ${seen}`,
    );
  }
  return { boxes, labels, scores, masks };
}

function asNumberArray(t: ort.Tensor, what: string): ArrayLike<number> {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array) return d;
  if (d instanceof BigInt64Array) {
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
  throw new Error(`Mask R-CNN output '${what}' has unsupported type ${t.type}`);
}

/** Mask R-CNN outputs → instances in frame px. Handles N = 0 (returns []). */
export function postprocessMaskRcnn(
  out: MaskRcnnOutputs,
  geometry: MaskRcnnGeometry,
  frame: { width: number; height: number },
  labels: readonly string[],
  options: PostprocessOptions,
  categoryIds?: readonly number[],
): Instance[] {
  const W = frame.width;
  const H = frame.height;
  const n = out.scores.dims[0] ?? 0;
  if (out.boxes.dims.length !== 2 || out.boxes.dims[1] !== 4 || out.boxes.dims[0] !== n) {
    throw new Error(`Mask R-CNN boxes must be [${n},4], got [${out.boxes.dims.join(',')}]`);
  }
  if (out.labels.dims[0] !== n) {
    throw new Error(`Mask R-CNN labels must be [${n}], got [${out.labels.dims.join(',')}]`);
  }
  const md = out.masks.dims;
  if (md.length !== 4 || md[0] !== n || md[1] !== 1) {
    throw new Error(`Mask R-CNN masks must be [${n},1,h,w], got [${md.join(',')}]`);
  }
  if (n === 0) return [];

  const scores = asNumberArray(out.scores, 'scores');
  const rawBoxes = asNumberArray(out.boxes, 'boxes');
  const classIds = asNumberArray(out.labels, 'labels');
  const maskData = out.masks.data as Float32Array;
  if (!(maskData instanceof Float32Array)) throw new Error(`Mask R-CNN masks must be float32, got ${out.masks.type}`);
  const maskH = md[2];
  const maskW = md[3];

  // 1. score threshold + boxes to frame px (unclipped, for the paste) and clipped (for NMS/output).
  const thr = options.scoreThreshold;
  const sx = geometry.boxScaleX;
  const sy = geometry.boxScaleY;
  const candIdx: number[] = [];
  for (let i = 0; i < n; i++) if (scores[i] >= thr) candIdx.push(i);
  const m = candIdx.length;
  if (m === 0) return [];
  const pasteBoxes = new Float32Array(m * 4);
  const clipped = new Float32Array(m * 4);
  const cScores = new Float32Array(m);
  const cClasses = new Int32Array(m);
  let k = 0;
  for (const i of candIdx) {
    const bx1 = rawBoxes[i * 4] * sx;
    const by1 = rawBoxes[i * 4 + 1] * sy;
    const bx2 = rawBoxes[i * 4 + 2] * sx;
    const by2 = rawBoxes[i * 4 + 3] * sy;
    const cx1 = Math.min(Math.max(bx1, 0), W);
    const cy1 = Math.min(Math.max(by1, 0), H);
    const cx2 = Math.min(Math.max(bx2, 0), W);
    const cy2 = Math.min(Math.max(by2, 0), H);
    if (!(cx2 > cx1 && cy2 > cy1)) continue; // degenerate or entirely outside the frame (or NaN)
    pasteBoxes[k * 4] = bx1;
    pasteBoxes[k * 4 + 1] = by1;
    pasteBoxes[k * 4 + 2] = bx2;
    pasteBoxes[k * 4 + 3] = by2;
    clipped[k * 4] = cx1;
    clipped[k * 4 + 1] = cy1;
    clipped[k * 4 + 2] = cx2;
    clipped[k * 4 + 3] = cy2;
    cScores[k] = scores[i];
    cClasses[k] = classIds[i];
    candIdx[k] = i; // compact in place: candIdx[k] is the model's index of candidate k
    k++;
  }
  if (k === 0) return [];

  // 2. our NMS + max instances.
  const keep = nms(clipped.subarray(0, k * 4), cScores.subarray(0, k), cClasses.subarray(0, k), {
    iouThreshold: options.iouThreshold,
    classAgnostic: options.classAgnostic,
    maxDetections: options.maxInstances,
  });

  // 3. masks for the kept instances only.
  const plane = maskW * maskH;
  const instances: Instance[] = [];
  for (let j = 0; j < keep.length; j++) {
    const c = keep[j];
    const i = candIdx[c];
    const box: BoxXYXY = [clipped[c * 4], clipped[c * 4 + 1], clipped[c * 4 + 2], clipped[c * 4 + 3]];
    const probs = maskData.subarray(i * plane, (i + 1) * plane);
    let rle: Rle;
    if (geometry.maskKind === 'roi') {
      const pb: BoxXYXY = [pasteBoxes[c * 4], pasteBoxes[c * 4 + 1], pasteBoxes[c * 4 + 2], pasteBoxes[c * 4 + 3]];
      rle = pasteMask(probs, maskW, maskH, pb, W, H, options.maskThreshold);
    } else {
      rle = pasteFullMask(probs, maskW, maskH, box, W, H, options.maskThreshold);
    }
    const k = cClasses[c];
    instances.push({ classId: categoryIds?.[k] ?? k, label: labels[k] ?? `class ${k}`, score: cScores[c], box, mask: rle });
  }
  return instances;
}
