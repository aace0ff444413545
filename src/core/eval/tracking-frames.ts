/**
 * The ground truth and results of `segstream eval` as per-frame id lists for
 * {@link evaluateTracking}: GT annotations with a `track_id` (crowd regions left out) against
 * detections with a track id, frame by frame in seq order. Detections without an id (a track not
 * yet confirmed) are not part of any track and are left out, as a tracker's MOT output leaves them.
 */
import type { DetInstance, GtInstance } from './coco-eval.js';
import type { GtImage } from './load.js';
import type { MotFrame } from './mot-metrics.js';

/** Null when either side carries no ids at all: there is nothing to score. */
export function trackingFrames(images: readonly GtImage[], gt: readonly GtInstance[], dets: readonly DetInstance[]): MotFrame[] | null {
  if (!gt.some((a) => a.trackId !== undefined) || !dets.some((d) => d.trackId !== undefined)) return null;
  const byImage = new Map<number, MotFrame>();
  const ordered = [...images].sort((a, b) => a.seq - b.seq);
  for (const im of ordered) byImage.set(im.id, { gt: [], pred: [] });
  for (const a of gt) {
    if (a.trackId === undefined || a.iscrowd) continue;
    byImage.get(a.imageId)?.gt.push({ id: a.trackId, classId: a.categoryId, mask: a.mask });
  }
  for (const d of dets) {
    if (d.trackId === undefined) continue;
    byImage.get(d.imageId)?.pred.push({ id: d.trackId, classId: d.categoryId, mask: d.mask });
  }
  return ordered.map((im) => byImage.get(im.id)!);
}
