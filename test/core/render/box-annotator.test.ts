import { describe, expect, it } from 'vitest';
import { BoxAnnotator } from '../../../src/core/render/box-annotator.js';
import { colorFor } from '../../../src/core/render/palette.js';
import { lum, px, rectInstance, solidFrame, yuvOf } from './helpers.js';

const W = 40, H = 30;
const BG: [number, number, number] = [100, 100, 100];
const BGY = yuvOf(BG);

describe('BoxAnnotator', () => {
  it('draws a 2-px outline inside the box edges and leaves the interior alone', () => {
    const f = solidFrame(W, H, BG);
    new BoxAnnotator().annotate(f, [rectInstance(W, H, 0, 0, 0, 0, { classId: 4 }, [10, 5, 30, 25])]);
    const c = yuvOf(colorFor(4));
    for (const [x, y] of [[10, 5], [11, 6], [29, 24], [28, 23], [20, 5], [20, 6], [20, 24], [10, 15], [29, 15]]) {
      expect(lum(f, x, y)).toBe(c[0]);
    }
    for (const [x, y] of [[12, 7], [20, 15], [27, 22], [9, 15], [30, 15], [20, 4], [20, 25]]) {
      expect(lum(f, x, y)).toBe(BGY[0]);
    }
    // A 2x2 block wholly on the left edge takes the colour's chroma; one the line half covers
    // (rows 4-5 at the top edge, row 5 drawn) moves half way; one clear of the lines keeps its own.
    expect(px(f, 10, 10)).toEqual(c);
    const half = px(f, 20, 4);
    expect(Math.abs(half[1] - (BGY[1] + c[1]) / 2)).toBeLessThanOrEqual(1);
    expect(Math.abs(half[2] - (BGY[2] + c[2]) / 2)).toBeLessThanOrEqual(1);
    expect(px(f, 20, 15)).toEqual(BGY);
  });

  it('honours the thickness option', () => {
    const f = solidFrame(W, H, BG);
    new BoxAnnotator({ thickness: 1 }).annotate(f, [rectInstance(W, H, 0, 0, 0, 0, { classId: 4 }, [10, 5, 30, 25])]);
    expect(lum(f, 10, 15)).toBe(yuvOf(colorFor(4))[0]);
    expect(lum(f, 11, 15)).toBe(BGY[0]);
  });

  it('clips boxes partly outside the frame and ignores invalid ones', () => {
    const f = solidFrame(W, H, BG);
    const insts = [
      rectInstance(W, H, 0, 0, 0, 0, { classId: 1 }, [-10, -10, 15, 12]),
      rectInstance(W, H, 0, 0, 0, 0, { classId: 2 }, [100, 100, 120, 120]),
      rectInstance(W, H, 0, 0, 0, 0, { classId: 3 }, [NaN, 0, 5, 5]),
      rectInstance(W, H, 0, 0, 0, 0, { classId: 3 }, [5, 5, 5, 9]),
    ];
    expect(() => new BoxAnnotator().annotate(f, insts)).not.toThrow();
    expect(lum(f, 14, 5)).toBe(yuvOf(colorFor(1))[0]); // right edge, inside the frame
    expect(lum(f, 5, 11)).toBe(yuvOf(colorFor(1))[0]); // bottom edge
    expect(lum(f, 0, 5)).toBe(BGY[0]); // the left edge is off-frame, not drawn at x=0
  });
});
