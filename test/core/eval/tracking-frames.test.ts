import { describe, expect, it } from 'vitest';
import { trackingFrames } from '../../../src/core/eval/tracking-frames.js';
import { evaluateTracking } from '../../../src/core/eval/mot-metrics.js';
import { parseGroundTruth, parseResultsJson } from '../../../src/core/eval/load.js';
import { encodeRle, rleCountsToString } from '../../../src/core/rle.js';

const W = 10, H = 10;
function rect(x0: number, x1: number): { size: [number, number]; counts: string } {
  const m = new Uint8Array(W * H);
  for (let y = 2; y < 6; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  const r = encodeRle(m, W, H);
  return { size: r.size, counts: rleCountsToString(r.counts) };
}
// Three frames (images listed out of order), one object (track_id 7) moving right, and a crowd region.
const gt = parseGroundTruth({
  images: [3, 1, 2].map((id) => ({ id, width: W, height: H, seq: id - 1 })),
  categories: [{ id: 1, name: 'disc' }],
  annotations: [
    ...[1, 2, 3].map((id) => ({ id, image_id: id, category_id: 1, segmentation: rect(id, id + 3), track_id: 7 })),
    { id: 9, image_id: 1, category_id: 1, segmentation: rect(6, 9), iscrowd: 1, track_id: 99 },
  ],
});
const det = (image: number, trackId?: number) => ({
  image_id: image, category_id: 1, score: 0.9, segmentation: rect(image, image + 3), ...(trackId !== undefined ? { track_id: trackId } : {}),
});

describe('trackingFrames (eval)', () => {
  it('pairs GT track_id with result track ids per frame in seq order; an id change is one switch', () => {
    const res = parseResultsJson([det(1, 1), det(2, 1), det(3, 2)], gt);
    const frames = trackingFrames(gt.images, gt.annotations, res.detections)!;
    expect(frames.map((f) => [f.gt.map((o) => o.id), f.pred.map((o) => o.id)])).toEqual([[[7], [1]], [[7], [1]], [[7], [2]]]);
    const m = evaluateTracking(frames, { similarity: 'mask' });
    expect(m.switches).toBe(1);
    expect(m.mota).toBeCloseTo(1 - 1 / 3, 10);
    expect(m.idf1).toBeCloseTo(2 / 3, 10); // IDTP 2 of 3 GT and 3 predictions
  });

  it('leaves untracked detections out, and is null when either side has no ids', () => {
    const res = parseResultsJson([det(1, 4), det(2), det(3, 4)], gt);
    const frames = trackingFrames(gt.images, gt.annotations, res.detections)!;
    expect(frames.map((f) => f.pred.length)).toEqual([1, 0, 1]);
    expect(trackingFrames(gt.images, gt.annotations, parseResultsJson([det(1), det(2)], gt).detections)).toBeNull();
    const noIds = parseGroundTruth({ ...gt, images: [{ id: 1, width: W, height: H }], annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: rect(1, 4) }], categories: [{ id: 1 }] });
    expect(trackingFrames(noIds.images, noIds.annotations, res.detections)).toBeNull();
  });
});
