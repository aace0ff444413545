import { describe, expect, it } from 'vitest';
import { MaskAnnotator } from '../../../src/core/render/mask-annotator.js';
import { colorFor } from '../../../src/core/render/palette.js';
import { lum, px, rectInstance, solidFrame, yuvOf } from './helpers.js';

const W = 40, H = 30;
const BG: [number, number, number] = [100, 100, 100];
const BGY = yuvOf(BG);

function blended(bg: number, c: number, a: number): number {
  return bg * (1 - a) + c * a;
}

describe('MaskAnnotator', () => {
  it('blends the interior toward the colour by the opacity (luma and chroma) and leaves the outside alone', () => {
    const f = solidFrame(W, H, BG);
    const inst = rectInstance(W, H, 10, 8, 20, 18, { classId: 5 });
    new MaskAnnotator().annotate(f, [inst]);
    const c = yuvOf(colorFor(5));
    const inside = px(f, 15, 12);
    for (let k = 0; k < 3; k++) expect(Math.abs(inside[k] - blended(BGY[k], c[k], 0.45))).toBeLessThanOrEqual(1);
    // The mask's edges fall on 2x2 block edges here, so outside pixels keep luma and chroma.
    expect(px(f, 9, 12)).toEqual(BGY);
    expect(px(f, 20, 12)).toEqual(BGY);
    expect(px(f, 15, 7)).toEqual(BGY);
    expect(px(f, 15, 18)).toEqual(BGY);
    expect(px(f, 0, 0)).toEqual(BGY);
  });

  it('draws the mask boundary pixels in the solid colour', () => {
    const f = solidFrame(W, H, BG);
    new MaskAnnotator().annotate(f, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    const [cy] = yuvOf(colorFor(5));
    for (const [x, y] of [[10, 8], [19, 8], [10, 17], [19, 17], [15, 8], [10, 12], [19, 12], [15, 17]]) {
      expect(lum(f, x, y)).toBe(cy);
    }
    // One pixel in from the boundary is blended, not solid (thickness 1).
    expect(lum(f, 11, 12)).not.toBe(cy);
    expect(lum(f, 11, 12)).not.toBe(BGY[0]);
  });

  it('gives a chroma block its share of outline and fill, as 4:2:0 subsampling of an RGB drawing would', () => {
    const f = solidFrame(W, H, BG);
    new MaskAnnotator().annotate(f, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    const c = yuvOf(colorFor(5));
    const a = Math.round(0.45 * 256);
    // Block (10..11, 8..9): three outline pixels and one fill pixel.
    const w = Math.round((3 * 256 + a) / 4);
    const [, u, v] = px(f, 10, 8);
    expect(Math.abs(u - (BGY[1] * (256 - w) + c[1] * w) / 256)).toBeLessThanOrEqual(1);
    expect(Math.abs(v - (BGY[2] * (256 - w) + c[2] * w) / 256)).toBeLessThanOrEqual(1);
  });

  it('outlineThickness 2 makes a two-pixel band; outline false blends the border too', () => {
    const c = yuvOf(colorFor(5));
    const f2 = solidFrame(W, H, BG);
    new MaskAnnotator({ outlineThickness: 2 }).annotate(f2, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    expect(px(f2, 11, 12)).toEqual(c); // its whole block is outline: luma and chroma are the colour
    expect(lum(f2, 12, 12)).not.toBe(c[0]);

    const f0 = solidFrame(W, H, BG);
    new MaskAnnotator({ outline: false, opacity: 1 }).annotate(f0, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    expect(px(f0, 10, 8)).toEqual(c); // opacity 1 = the colour everywhere
    const fh = solidFrame(W, H, BG);
    new MaskAnnotator({ outline: false, opacity: 0.5 }).annotate(fh, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    expect(px(fh, 10, 8)).toEqual(px(fh, 15, 12));
  });

  it('treats the frame edge as a boundary, odd frame sizes included', () => {
    const f = solidFrame(W, H, BG);
    new MaskAnnotator().annotate(f, [rectInstance(W, H, 0, 0, W, H, { classId: 1 })]);
    const [cy] = yuvOf(colorFor(1));
    expect(lum(f, 0, 5)).toBe(cy);
    expect(lum(f, W - 1, H - 1)).toBe(cy);
    expect(lum(f, 5, 5)).not.toBe(cy);
    const odd = solidFrame(7, 5, BG);
    new MaskAnnotator({ outline: false, opacity: 1 }).annotate(odd, [rectInstance(7, 5, 0, 0, 7, 5, { classId: 1 })]);
    expect(px(odd, 6, 4)).toEqual(yuvOf(colorFor(1))); // the 1x1 corner block
  });

  it('does not leak one instance or frame into the next (scratch reuse)', () => {
    const ann = new MaskAnnotator();
    const a = rectInstance(W, H, 2, 2, 8, 8, { classId: 1 });
    const b = rectInstance(W, H, 30, 20, 36, 26, { classId: 2 });
    ann.annotate(solidFrame(W, H, BG), [a]);
    const f = solidFrame(W, H, BG);
    ann.annotate(f, [b]);
    expect(px(f, 5, 5)).toEqual(BGY); // a's mask is gone from the scratch
    expect(px(f, 33, 23)).not.toEqual(BGY);
    // A larger frame after a smaller one.
    const big = solidFrame(80, 60, BG);
    ann.annotate(big, [rectInstance(80, 60, 50, 40, 70, 55, { classId: 3 })]);
    expect(px(big, 60, 47)).not.toEqual(BGY);
    expect(px(big, 5, 5)).toEqual(BGY);
  });

  it('skips empty masks and masks of another size without throwing', () => {
    const f = solidFrame(W, H, BG);
    const before = f.yuv.slice();
    const empty = rectInstance(W, H, 0, 0, 0, 0);
    const other = rectInstance(W + 1, H, 0, 0, 10, 10);
    expect(() => new MaskAnnotator().annotate(f, [empty, other])).not.toThrow();
    expect(f.yuv).toEqual(before);
  });
});
