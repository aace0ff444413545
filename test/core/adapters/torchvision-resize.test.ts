/**
 * Shrinking the frame to the graph's working size before building the tensor (manifest
 * `input.resize`) must give what the graph gives when it resizes the full frame itself: checked
 * with the bundled trained model on a 640x360 synthetic frame, both ways, same session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POSTPROCESS, loadModel, type LoadedModel } from '../../../src/core/adapters/index.js';
import { TorchvisionMaskRcnnAdapter } from '../../../src/core/adapters/torchvision-maskrcnn.js';
import { rleIou } from '../../../src/core/rle.js';
import { synthFrames } from '../../../src/synth/index.js';
import { rgbToYuv420 } from '../../../src/core/yuv420.js';
import { bundledModel } from '../../helpers.js';

describe('torchvision pre-resize (bundled model, 640x360 frames)', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel(bundledModel, { device: 'cpu', intraOpThreads: 2 });
  });
  afterAll(async () => {
    await model?.session.release();
  });

  it('finds the same objects, boxes within 4 px and masks at IoU ≥ 0.85, from an 8x smaller tensor', async () => {
    const full = new TorchvisionMaskRcnnAdapter('torchvision-28', { labels: model.adapter.labels });
    const o = { ...DEFAULT_POSTPROCESS, scoreThreshold: 0.5 };
    let compared = 0;
    for (const f of synthFrames({ seed: 7, frames: 12, width: 640, height: 360 })) {
      if (f.seq % 4 !== 0) continue;
      const image = { yuv: rgbToYuv420(f.rgb, f.width, f.height), width: f.width, height: f.height };
      const a = model.adapter.preprocess(image);
      const b = full.preprocess(image);
      expect(a.feeds['image'].dims).toEqual([3, 240, 426]);
      expect(b.feeds['image'].dims).toEqual([3, 360, 640]);
      const small = model.adapter.postprocess(await model.session.run(a.feeds), a, image, o);
      const big = full.postprocess(await model.session.run(b.feeds), b, image, o);
      expect(small.length).toBeGreaterThan(0);
      // Every confident detection of either path has its twin in the other: same label, box
      // within 4 px, mask IoU ≥ 0.85, score within 0.1. (Order among equal scores, and
      // detections near the score threshold, may differ.)
      const twins = (xs: typeof small, ys: typeof small): void => {
        for (const inst of xs.filter((i) => i.score >= 0.7)) {
          const twin = ys
            .filter((j) => j.label === inst.label)
            .map((j) => ({ j, iou: rleIou(inst.mask, j.mask) }))
            .sort((p, q) => q.iou - p.iou)[0];
          expect(twin, `${inst.label} ${inst.score.toFixed(2)} has no twin`).toBeDefined();
          expect(twin!.iou).toBeGreaterThanOrEqual(0.85);
          for (let c = 0; c < 4; c++) expect(Math.abs(inst.box[c] - twin!.j.box[c])).toBeLessThan(4);
          expect(Math.abs(inst.score - twin!.j.score)).toBeLessThan(0.1);
        }
      };
      twins(small, big);
      twins(big, small);
      compared += small.length;
    }
    expect(compared).toBeGreaterThan(5);
  });
});
