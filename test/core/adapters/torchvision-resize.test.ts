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
import { bundledModel } from '../../helpers.js';

describe('torchvision pre-resize (bundled model, 640x360 frames)', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel(bundledModel, { device: 'cpu', intraOpThreads: 2 });
  });
  afterAll(async () => {
    await model?.session.release();
  });

  it('finds the same objects, boxes within 2 px and masks at IoU ≥ 0.85, from an 8x smaller tensor', async () => {
    const full = new TorchvisionMaskRcnnAdapter('torchvision-28', { labels: model.adapter.labels });
    const o = { ...DEFAULT_POSTPROCESS, scoreThreshold: 0.5 };
    let compared = 0;
    for (const f of synthFrames({ seed: 7, frames: 12, width: 640, height: 360 })) {
      if (f.seq % 4 !== 0) continue;
      const image = { rgb: f.rgb, width: f.width, height: f.height };
      const a = model.adapter.preprocess(image);
      const b = full.preprocess(image);
      expect(a.feeds['image']!.dims).toEqual([3, 240, 426]);
      expect(b.feeds['image']!.dims).toEqual([3, 360, 640]);
      const small = model.adapter.postprocess(await model.session.run(a.feeds), a, image, o);
      const big = full.postprocess(await model.session.run(b.feeds), b, image, o);
      expect(small.length).toBeGreaterThan(0);
      expect(small.map((i) => i.label)).toEqual(big.map((i) => i.label));
      small.forEach((inst, k) => {
        for (let c = 0; c < 4; c++) expect(Math.abs(inst.box[c]! - big[k]!.box[c]!)).toBeLessThan(2);
        expect(rleIou(inst.mask, big[k]!.mask)).toBeGreaterThanOrEqual(0.85);
        expect(Math.abs(inst.score - big[k]!.score)).toBeLessThan(0.1);
      });
      compared += small.length;
    }
    expect(compared).toBeGreaterThan(5);
  });
});
