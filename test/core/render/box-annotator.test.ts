import { describe, expect, it } from 'vitest';
import { BoxAnnotator } from '../../../src/core/render/box-annotator.js';
import { colorFor } from '../../../src/core/render/palette.js';
import { px, rectInstance, solidFrame } from './helpers.js';

const W = 40, H = 30;
const BG: [number, number, number] = [100, 100, 100];

describe('BoxAnnotator', () => {
  it('draws a 2-px outline inside the box edges and leaves the interior alone', () => {
    const f = solidFrame(W, H, BG);
    new BoxAnnotator().annotate(f, W, H, [rectInstance(W, H, 0, 0, 0, 0, { classId: 4 }, [10, 5, 30, 25])]);
    const c = colorFor(4);
    for (const [x, y] of [[10, 5], [11, 6], [29, 24], [28, 23], [20, 5], [20, 6], [20, 24], [10, 15], [29, 15]]) {
      expect(px(f, W, x, y)).toEqual(c);
    }
    for (const [x, y] of [[12, 7], [20, 15], [27, 22], [9, 15], [30, 15], [20, 4], [20, 25]]) {
      expect(px(f, W, x, y)).toEqual(BG);
    }
  });

  it('honours the thickness option', () => {
    const f = solidFrame(W, H, BG);
    new BoxAnnotator({ thickness: 1 }).annotate(f, W, H, [rectInstance(W, H, 0, 0, 0, 0, { classId: 4 }, [10, 5, 30, 25])]);
    expect(px(f, W, 10, 15)).toEqual(colorFor(4));
    expect(px(f, W, 11, 15)).toEqual(BG);
  });

  it('clips boxes partly outside the frame and ignores invalid ones', () => {
    const f = solidFrame(W, H, BG);
    const insts = [
      rectInstance(W, H, 0, 0, 0, 0, { classId: 1 }, [-10, -10, 15, 12]),
      rectInstance(W, H, 0, 0, 0, 0, { classId: 2 }, [100, 100, 120, 120]),
      rectInstance(W, H, 0, 0, 0, 0, { classId: 3 }, [NaN, 0, 5, 5]),
      rectInstance(W, H, 0, 0, 0, 0, { classId: 3 }, [5, 5, 5, 9]),
    ];
    expect(() => new BoxAnnotator().annotate(f, W, H, insts)).not.toThrow();
    expect(px(f, W, 14, 5)).toEqual(colorFor(1)); // right edge, inside the frame
    expect(px(f, W, 5, 11)).toEqual(colorFor(1)); // bottom edge
    expect(px(f, W, 0, 5)).toEqual(BG); // the left edge is off-frame, not drawn at x=0
  });
});
