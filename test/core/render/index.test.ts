import { describe, expect, it } from 'vitest';
import { InstanceRenderer, drawInstances } from '../../../src/core/render/index.js';
import { colorFor } from '../../../src/core/render/palette.js';
import { lum, px, rectInstance, solidFrame, yuvOf } from './helpers.js';

const W = 120, H = 90;
const BG: [number, number, number] = [100, 100, 100];
const BGY = yuvOf(BG);

function sample() {
  return [rectInstance(W, H, 30, 40, 80, 80, { classId: 0, label: 'person', score: 0.91, trackId: 9 })];
}

describe('drawInstances', () => {
  it('draws mask, then box, then label', () => {
    const f = solidFrame(W, H, BG);
    drawInstances(f, sample(), { label: { textScale: 1 } });
    const c = yuvOf(colorFor(9));
    expect(px(f, 55, 60)).not.toEqual(BGY); // mask fill
    expect(px(f, 55, 60)).not.toEqual(c);
    expect(px(f, 31, 60)).toEqual(c); // box edge (2 px) over the mask
    expect(px(f, 30, 39)).toEqual(c); // label background above the box
  });

  it('each layer can be turned off', () => {
    const noMask = solidFrame(W, H, BG);
    drawInstances(noMask, sample(), { masks: false });
    expect(px(noMask, 55, 60)).toEqual(BGY);
    expect(px(noMask, 30, 60)).toEqual(yuvOf(colorFor(9)));

    const noBox = solidFrame(W, H, BG);
    drawInstances(noBox, sample(), { boxes: false, mask: { outline: false } });
    expect(px(noBox, 31, 60)).toEqual(px(noBox, 55, 60));

    const noLabel = solidFrame(W, H, BG);
    drawInstances(noLabel, sample(), { labels: false });
    for (let y = 0; y < 40; y++) for (let x = 0; x < W; x++) expect(lum(noLabel, x, y)).toBe(BGY[0]);
  });

  it('gives the same pixels through a held renderer and through the default', () => {
    const a = solidFrame(W, H, BG);
    const b = solidFrame(W, H, BG);
    drawInstances(a, sample());
    new InstanceRenderer().annotate(b, sample());
    expect(Buffer.from(a.yuv).equals(Buffer.from(b.yuv))).toBe(true);
    expect(Buffer.from(a.yuv).equals(Buffer.from(solidFrame(W, H, BG).yuv))).toBe(false);
  });

  it('draws nothing for no instances', () => {
    const f = solidFrame(W, H, BG);
    drawInstances(f, []);
    expect(Buffer.from(f.yuv).equals(Buffer.from(solidFrame(W, H, BG).yuv))).toBe(true);
  });
});
