import { describe, expect, it } from 'vitest';
import { MaskAnnotator } from '../../../src/core/render/mask-annotator.js';
import { colorFor } from '../../../src/core/render/palette.js';
import { px, rectInstance, solidFrame } from './helpers.js';

const W = 40, H = 30;
const BG: [number, number, number] = [100, 100, 100];

function blended(bg: number, c: number, a: number): number {
  return bg * (1 - a) + c * a;
}

describe('MaskAnnotator', () => {
  it('blends the interior toward the colour by the opacity and leaves the outside alone', () => {
    const f = solidFrame(W, H, BG);
    const inst = rectInstance(W, H, 10, 8, 20, 18, { classId: 5 });
    new MaskAnnotator().annotate(f, W, H, [inst]);
    const c = colorFor(5);
    const inside = px(f, W, 15, 12);
    for (let k = 0; k < 3; k++) expect(Math.abs(inside[k] - blended(BG[k], c[k], 0.45))).toBeLessThanOrEqual(1);
    expect(px(f, W, 9, 12)).toEqual(BG);
    expect(px(f, W, 20, 12)).toEqual(BG);
    expect(px(f, W, 15, 7)).toEqual(BG);
    expect(px(f, W, 15, 18)).toEqual(BG);
    expect(px(f, W, 0, 0)).toEqual(BG);
  });

  it('draws the mask boundary pixels in the solid colour', () => {
    const f = solidFrame(W, H, BG);
    new MaskAnnotator().annotate(f, W, H, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    const c = colorFor(5);
    for (const [x, y] of [[10, 8], [19, 8], [10, 17], [19, 17], [15, 8], [10, 12], [19, 12], [15, 17]]) {
      expect(px(f, W, x, y)).toEqual(c);
    }
    // One pixel in from the boundary is blended, not solid (thickness 1).
    expect(px(f, W, 11, 12)).not.toEqual(c);
    expect(px(f, W, 11, 12)).not.toEqual(BG);
  });

  it('outlineThickness 2 makes a two-pixel band; outline false blends the border too', () => {
    const c = colorFor(5);
    const f2 = solidFrame(W, H, BG);
    new MaskAnnotator({ outlineThickness: 2 }).annotate(f2, W, H, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    expect(px(f2, W, 11, 12)).toEqual(c);
    expect(px(f2, W, 12, 12)).not.toEqual(c);

    const f0 = solidFrame(W, H, BG);
    new MaskAnnotator({ outline: false, opacity: 1 }).annotate(f0, W, H, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    expect(px(f0, W, 10, 8)).toEqual(c); // opacity 1 = the colour everywhere
    const fh = solidFrame(W, H, BG);
    new MaskAnnotator({ outline: false, opacity: 0.5 }).annotate(fh, W, H, [rectInstance(W, H, 10, 8, 20, 18, { classId: 5 })]);
    expect(px(fh, W, 10, 8)).toEqual(px(fh, W, 15, 12));
  });

  it('treats the frame edge as a boundary', () => {
    const f = solidFrame(W, H, BG);
    new MaskAnnotator().annotate(f, W, H, [rectInstance(W, H, 0, 0, W, H, { classId: 1 })]);
    expect(px(f, W, 0, 5)).toEqual(colorFor(1));
    expect(px(f, W, W - 1, H - 1)).toEqual(colorFor(1));
    expect(px(f, W, 5, 5)).not.toEqual(colorFor(1));
  });

  it('does not leak one instance or frame into the next (scratch reuse)', () => {
    const ann = new MaskAnnotator();
    const a = rectInstance(W, H, 2, 2, 8, 8, { classId: 1 });
    const b = rectInstance(W, H, 30, 20, 36, 26, { classId: 2 });
    ann.annotate(solidFrame(W, H, BG), W, H, [a]);
    const f = solidFrame(W, H, BG);
    ann.annotate(f, W, H, [b]);
    expect(px(f, W, 5, 5)).toEqual(BG); // a's mask is gone from the scratch
    expect(px(f, W, 33, 23)).not.toEqual(BG);
    // A larger frame after a smaller one.
    const big = solidFrame(80, 60, BG);
    ann.annotate(big, 80, 60, [rectInstance(80, 60, 50, 40, 70, 55, { classId: 3 })]);
    expect(px(big, 80, 60, 47)).not.toEqual(BG);
    expect(px(big, 80, 5, 5)).toEqual(BG);
  });

  it('skips empty masks and masks of another size without throwing', () => {
    const f = solidFrame(W, H, BG);
    const before = f.slice();
    const empty = rectInstance(W, H, 0, 0, 0, 0);
    const other = rectInstance(W + 1, H, 0, 0, 10, 10);
    expect(() => new MaskAnnotator().annotate(f, W, H, [empty, other])).not.toThrow();
    expect(f).toEqual(before);
  });
});
