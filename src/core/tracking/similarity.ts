/**
 * How alike a track and a detection are, 0..1, for the association cost matrices: box IoU between
 * the track's predicted box and the detection's box, and/or mask IoU between the detection's mask
 * and the track's last mask moved by the motion predicted since (masks separate objects whose
 * boxes overlap: crossing people, a person on a bike).
 */
import { boxIou } from '../nms.js';
import { rleArea, rleIou, rleToBbox } from '../rle.js';
import type { BoxXYXY, Instance, Rle } from '../types.js';
import { shiftRle } from './rle-shift.js';

/** 'mask+box' is the mean of the two IoUs. */
export type SimilarityMode = 'box' | 'mask' | 'mask+box';

export const SIMILARITY_MODES: readonly SimilarityMode[] = ['box', 'mask', 'mask+box'];

/** What a track contributes to a comparison. */
export interface TrackAppearance {
  /** Where the motion model expects the object now. */
  predictedBox: BoxXYXY;
  /** The last matched detection's mask (null when it had none usable). */
  mask: Rle | null;
  /** That mask's bounds, [x1, y1, x2, y2] exclusive. */
  maskBox: BoxXYXY;
  /** Predicted displacement since that mask, pixels. */
  dx: number;
  dy: number;
}

/** What a detection contributes: its box, and its mask with bounds when it has a non-empty one. */
export interface DetectionAppearance {
  box: BoxXYXY;
  mask: Rle | null;
  maskBox: BoxXYXY;
}

/** A detection's appearance; an empty or missing mask leaves `mask` null (boxes stand in). */
export function detectionAppearance(inst: Instance): DetectionAppearance {
  const m = inst.mask;
  if (!m || m.counts.length < 2 || rleArea(m) === 0) return { box: inst.box, mask: null, maskBox: inst.box };
  return { box: inst.box, mask: m, maskBox: maskBounds(m) };
}

/** Bounds of a mask as [x1, y1, x2, y2] with exclusive x2, y2 (pycocotools `toBbox`). */
export function maskBounds(mask: Rle): BoxXYXY {
  const [x, y, w, h] = rleToBbox(mask);
  return [x, y, x + w, y + h];
}

function overlaps(a: BoxXYXY, b: BoxXYXY, dx: number, dy: number): boolean {
  return a[0] + dx < b[2] && b[0] < a[2] + dx && a[1] + dy < b[3] && b[1] < a[3] + dy;
}

/**
 * Fills `out` (tracks x detections, row-major) with similarities. A pair falls back to box IoU
 * when either side has no usable mask or the mask sizes differ. Each track's mask is shifted once,
 * and only when some detection's mask bounds meet the shifted bounds (elsewhere the IoU is 0).
 */
export function similarityMatrix(
  tracks: readonly TrackAppearance[],
  dets: readonly DetectionAppearance[],
  mode: SimilarityMode,
  out: Float64Array,
): void {
  const nd = dets.length;
  for (let t = 0; t < tracks.length; t++) {
    const tr = tracks[t];
    let shifted: Rle | null = null;
    const rdx = Math.round(tr.dx), rdy = Math.round(tr.dy);
    for (let d = 0; d < nd; d++) {
      const det = dets[d];
      const box = boxIou(tr.predictedBox, 0, det.box, 0);
      const dm = det.mask;
      let sim = box;
      if (mode !== 'box' && tr.mask && dm && dm.size[0] === tr.mask.size[0] && dm.size[1] === tr.mask.size[1]) {
        let mask = 0;
        if (overlaps(tr.maskBox, det.maskBox, rdx, rdy)) {
          shifted ??= shiftRle(tr.mask, rdx, rdy);
          mask = rleIou(dm, shifted);
        }
        sim = mode === 'mask' ? mask : (mask + box) / 2;
      }
      out[t * nd + d] = sim;
    }
  }
}
