/**
 * How alike a track and a detection are, 0..1, for the association cost matrices: box IoU between
 * the track's predicted box and the detection's box, and/or mask IoU between the detection's mask
 * and the track's last mask moved by the motion predicted since (masks can tell apart objects
 * whose boxes overlap: crossing people, a person on a bike).
 */
import { boxIou } from '../nms.js';
import type { BoxXYXY, Instance } from '../types.js';
import { MaskSpans } from './mask-spans.js';

/** 'mask+box' is the mean of the two IoUs. */
export type SimilarityMode = 'box' | 'mask' | 'mask+box';

export const SIMILARITY_MODES: readonly SimilarityMode[] = ['box', 'mask', 'mask+box'];

/** What a track contributes to a comparison. */
export interface TrackAppearance {
  /** Where the motion model expects the object now. */
  predictedBox: BoxXYXY;
  /** The last matched detection's mask (null when it had none usable). */
  spans: MaskSpans | null;
  /** Predicted displacement since that mask, pixels. */
  dx: number;
  dy: number;
}

/** What a detection contributes: its box, and its mask when asked for and not empty. */
export interface DetectionAppearance {
  box: BoxXYXY;
  spans: MaskSpans | null;
}

export function detectionAppearance(inst: Instance, withMask: boolean): DetectionAppearance {
  return { box: inst.box, spans: withMask && inst.mask ? MaskSpans.fromRle(inst.mask) : null };
}

/**
 * Fills `out` (tracks x detections, row-major) with similarities. A pair falls back to box IoU
 * when either side has no usable mask or the frame sizes differ.
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
    const ts = tr.spans;
    const dx = Math.round(tr.dx), dy = Math.round(tr.dy);
    for (let d = 0; d < nd; d++) {
      const det = dets[d];
      const box = boxIou(tr.predictedBox, 0, det.box, 0);
      const ds = det.spans;
      let sim = box;
      if (mode !== 'box' && ts && ds && ds.width === ts.width && ds.height === ts.height) {
        const mask = ts.shiftedIou(dx, dy, ds);
        sim = mode === 'mask' ? mask : (mask + box) / 2;
      }
      out[t * nd + d] = sim;
    }
  }
}
