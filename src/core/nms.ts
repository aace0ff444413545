/**
 * Greedy non-maximum suppression on packed xyxy boxes, with torchvision.ops.batched_nms semantics.
 */

/** Box coordinates packed as N*4 xyxy (x1, y1, x2, y2) per box. */
export type PackedBoxes = Float32Array | Float64Array | number[];

/**
 * IoU of box `ai` in `a` and box `bi` in `b` (indices are box indices, not element offsets).
 * Area is (x2-x1)*(y2-y1) with no +1, like torchvision. Returns 0 when the union is empty.
 */
export function boxIou(a: PackedBoxes, ai: number, b: PackedBoxes, bi: number): number {
  const a4 = ai * 4;
  const b4 = bi * 4;
  const ax1 = a[a4], ay1 = a[a4 + 1], ax2 = a[a4 + 2], ay2 = a[a4 + 3];
  const bx1 = b[b4], by1 = b[b4 + 1], bx2 = b[b4 + 2], by2 = b[b4 + 3];
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  // torchvision would compute 0/0 = NaN here, which never exceeds a threshold: same as 0.
  return union > 0 ? inter / union : 0;
}

export interface NmsOptions {
  /** A box is suppressed when its IoU with a kept, higher-scoring box is strictly greater. */
  iouThreshold: number;
  /** When true, boxes of different classes suppress each other. Default false (class-aware). */
  classAgnostic?: boolean;
  /** Stop after keeping this many boxes. Default Infinity. */
  maxDetections?: number;
}

/**
 * Greedy NMS like `torchvision.ops.batched_nms` (or `nms` when `classAgnostic`): visits boxes by
 * descending score (ties in original index order: stable sort), keeps a box unless a kept box of
 * the same class (any class if `classAgnostic`) overlaps it with IoU > `iouThreshold`.
 *
 * @param boxes N*4 packed xyxy.
 * @param scores N scores.
 * @param classes N class ids (ignored when `classAgnostic`).
 * @returns kept indices, sorted by descending score, at most `maxDetections` (default Infinity).
 */
export function nms(
  boxes: PackedBoxes,
  scores: Float32Array,
  classes: Int32Array,
  opts: NmsOptions,
): Int32Array {
  const n = scores.length;
  if (boxes.length < n * 4) throw new RangeError(`nms: ${n} scores but ${boxes.length / 4} boxes`);
  const agnostic = opts.classAgnostic ?? false;
  if (!agnostic && classes.length < n) throw new RangeError(`nms: ${n} scores but ${classes.length} classes`);
  const maxKeep = Math.min(n, opts.maxDetections ?? Infinity);
  const thr = opts.iouThreshold;
  if (maxKeep <= 0) return new Int32Array(0);

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Array.prototype.sort is stable; the index tie-break makes that explicit.
  order.sort((i, j) => scores[j] - scores[i] || i - j);

  // Kept boxes are copied contiguously (with their areas) so the inner loop reads sequentially.
  const keep = new Int32Array(maxKeep);
  const kb = new Float64Array(maxKeep * 4);
  const karea = new Float64Array(maxKeep);
  const kcls = new Int32Array(maxKeep);
  let kept = 0;

  for (let oi = 0; oi < n && kept < maxKeep; oi++) {
    const i = order[oi];
    const i4 = i * 4;
    const x1 = boxes[i4], y1 = boxes[i4 + 1], x2 = boxes[i4 + 2], y2 = boxes[i4 + 3];
    const area = (x2 - x1) * (y2 - y1);
    const cls = agnostic ? 0 : classes[i];
    let suppressed = false;
    for (let k = 0; k < kept; k++) {
      if (kcls[k] !== cls) continue;
      const k4 = k * 4;
      const iw = Math.min(x2, kb[k4 + 2]) - Math.max(x1, kb[k4]);
      if (iw <= 0) continue;
      const ih = Math.min(y2, kb[k4 + 3]) - Math.max(y1, kb[k4 + 1]);
      if (ih <= 0) continue;
      const inter = iw * ih;
      const union = area + karea[k] - inter;
      if (union > 0 && inter / union > thr) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    keep[kept] = i;
    kb[kept * 4] = x1;
    kb[kept * 4 + 1] = y1;
    kb[kept * 4 + 2] = x2;
    kb[kept * 4 + 3] = y2;
    karea[kept] = area;
    kcls[kept] = cls;
    kept++;
  }
  return keep.slice(0, kept);
}
