import { describe, expect, it } from 'vitest';
import { InstanceRenderer, drawInstances } from '../../../src/core/render/index.js';
import { colorFor } from '../../../src/core/render/palette.js';
import { px, rectInstance, solidFrame } from './helpers.js';

const W = 120, H = 90;
const BG: [number, number, number] = [100, 100, 100];

function sample() {
  return [rectInstance(W, H, 30, 40, 80, 80, { classId: 0, label: 'person', score: 0.91, trackId: 9 })];
}

describe('drawInstances', () => {
  it('draws mask, then box, then label', () => {
    const f = solidFrame(W, H, BG);
    drawInstances(f, W, H, sample(), { label: { textScale: 1 } });
    const c = colorFor(9);
    expect(px(f, W, 55, 60)).not.toEqual(BG); // mask fill
    expect(px(f, W, 55, 60)).not.toEqual(c);
    expect(px(f, W, 31, 60)).toEqual(c); // box edge (2 px) over the mask
    expect(px(f, W, 30, 39)).toEqual(c); // label background above the box
  });

  it('each layer can be turned off', () => {
    const noMask = solidFrame(W, H, BG);
    drawInstances(noMask, W, H, sample(), { masks: false });
    expect(px(noMask, W, 55, 60)).toEqual(BG);
    expect(px(noMask, W, 30, 60)).toEqual(colorFor(9));

    const noBox = solidFrame(W, H, BG);
    drawInstances(noBox, W, H, sample(), { boxes: false, mask: { outline: false } });
    expect(px(noBox, W, 31, 60)).toEqual(px(noBox, W, 55, 60));

    const noLabel = solidFrame(W, H, BG);
    drawInstances(noLabel, W, H, sample(), { labels: false });
    const above = noLabel.subarray(0, 40 * W * 3);
    expect(above.every((v) => v === 100)).toBe(true);
  });

  it('gives the same pixels through a held renderer and through the default', () => {
    const a = solidFrame(W, H, BG);
    const b = solidFrame(W, H, BG);
    drawInstances(a, W, H, sample());
    new InstanceRenderer().annotate(b, W, H, sample());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.some((v) => v !== 100)).toBe(true);
  });

  it('draws nothing for no instances', () => {
    const f = solidFrame(W, H, BG);
    drawInstances(f, W, H, []);
    expect(f.every((v) => v === 100)).toBe(true);
  });
});
