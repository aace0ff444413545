import { encodeRle } from '../../../src/core/rle.js';
import type { Rle } from '../../../src/core/types.js';
import type { DetInstance, EvalInput, GtInstance } from '../../../src/core/eval/coco-eval.js';

/** Mask of a w×h image with the rectangle x ∈ [x0, x1), y ∈ [y0, y1) set. Area (x1-x0)·(y1-y0). */
export function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Rle {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 1;
  return encodeRle(m, w, h);
}

/** Union of rectangles on a w×h image. */
export function rects(w: number, h: number, boxes: [number, number, number, number][]): Rle {
  const m = new Uint8Array(w * h);
  for (const [x0, y0, x1, y1] of boxes) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 1;
  return encodeRle(m, w, h);
}

let nextId = 1;
export function gt(imageId: number, categoryId: number, mask: Rle, extra: Partial<GtInstance> = {}): GtInstance {
  const area = mask.counts.reduce((s, c, i) => (i % 2 ? s + c : s), 0);
  return { id: nextId++, imageId, categoryId, mask, area, ...extra };
}

export function det(imageId: number, categoryId: number, score: number, mask: Rle): DetInstance {
  return { imageId, categoryId, score, mask };
}

/** Images 1..n of size w×h, categories 1..k named c1..ck. */
export function input(n: number, w: number, h: number, k: number, gts: GtInstance[], dets: DetInstance[]): EvalInput {
  return {
    images: Array.from({ length: n }, (_, i) => ({ id: i + 1, width: w, height: h })),
    categories: Array.from({ length: k }, (_, i) => ({ id: i + 1, name: `c${i + 1}` })),
    gt: gts,
    dets,
  };
}

/** pycocotools' precision of a run with tp true and fp false positives: tp / (tp + fp + eps). */
export const prec = (tp: number, fp: number): number => tp / (fp + tp + Number.EPSILON);
