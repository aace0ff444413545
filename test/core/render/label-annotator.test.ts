import { describe, expect, it } from 'vitest';
import { LabelAnnotator, autoTextScale, labelText, placeTag, type TagRect } from '../../../src/core/render/label-annotator.js';
import { colorFor } from '../../../src/core/render/palette.js';
import { measureText } from '../../../src/core/render/font.js';
import type { Yuv420Image } from '../../../src/core/yuv420.js';
import { lum, rectInstance, solidFrame, yuvOf } from './helpers.js';

const BG: [number, number, number] = [100, 100, 100];
const BGY = yuvOf(BG)[0];
/** Luma of a palette colour. */
const Y = (id: number): number => yuvOf(colorFor(id))[0];

/** Rows (y) in [y0, y1) where some pixel's luma differs from the background's. */
function changedRows(f: Yuv420Image, y0: number, y1: number): number[] {
  const rows: number[] = [];
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < f.width; x++) {
      if (lum(f, x, y) !== BGY) {
        rows.push(y);
        break;
      }
    }
  }
  return rows;
}

describe('labelText / autoTextScale', () => {
  it('formats "label score" and the track id', () => {
    expect(labelText(rectInstance(4, 4, 0, 0, 1, 1, { label: 'person', score: 0.9134 }))).toBe('person 0.91');
    expect(labelText(rectInstance(4, 4, 0, 0, 1, 1, { label: 'car', score: 0.5, trackId: 7 }))).toBe('#7 car 0.50');
  });

  it('picks a readable scale for the frame height', () => {
    expect(autoTextScale(240)).toBe(1);
    expect(autoTextScale(432)).toBe(2);
    expect(autoTextScale(720)).toBe(2);
    expect(autoTextScale(1080)).toBe(3);
  });
});

describe('LabelAnnotator', () => {
  it('draws a filled tag with text directly above the box', () => {
    const W = 200, H = 120;
    const f = solidFrame(W, H, BG);
    const inst = rectInstance(W, H, 0, 0, 0, 0, { classId: 6, label: 'dog', score: 0.5 }, [40, 60, 120, 100]);
    new LabelAnnotator({ textScale: 1, padding: 2 }).annotate(f, [inst]);
    const tagH = measureText('dog 0.50', 1).height + 4;
    const tagW = measureText('dog 0.50', 1).width + 4;
    expect(changedRows(f, 0, H)).toEqual(Array.from({ length: tagH }, (_, i) => 60 - tagH + i));
    // Background in the instance colour at the tag's corners, text in a contrasting colour inside.
    expect(lum(f, 40, 60 - tagH)).toBe(Y(6));
    expect(lum(f, 40 + tagW - 1, 59)).toBe(Y(6));
    expect(lum(f, 40 + tagW, 59)).toBe(BGY);
    let textPixels = 0;
    for (let y = 60 - tagH; y < 60; y++) for (let x = 40; x < 40 + tagW; x++) {
      if (lum(f, x, y) !== Y(6)) textPixels++;
    }
    expect(textPixels).toBeGreaterThan(20);
  });

  it('puts the tag inside the box when the box touches the top, and inside the frame on the right', () => {
    const W = 150, H = 60;
    const f = solidFrame(W, H, BG);
    const inst = rectInstance(W, H, 0, 0, 0, 0, { classId: 2, label: 'traffic light', score: 0.55 }, [130, 0, 150, 40]);
    new LabelAnnotator({ textScale: 1, padding: 1 }).annotate(f, [inst]);
    const { width, height } = measureText('traffic light 0.55', 1);
    expect(changedRows(f, 0, H)).toEqual(Array.from({ length: height + 2 }, (_, i) => i));
    expect(lum(f, W - 1, 0)).toBe(Y(2));
    expect(lum(f, W - (width + 2), 0)).toBe(Y(2));
    expect(lum(f, W - (width + 3), 0)).toBe(BGY);
  });

  it('does not throw for boxes off-frame or larger than the frame, and skips fully off-frame ones', () => {
    const W = 50, H = 40;
    const f = solidFrame(W, H, BG);
    const insts = [
      rectInstance(W, H, 0, 0, 0, 0, { label: 'far away' }, [500, 500, 600, 600]),
      rectInstance(W, H, 0, 0, 0, 0, { label: 'nan' }, [NaN, NaN, NaN, NaN]),
    ];
    expect(() => new LabelAnnotator().annotate(f, insts)).not.toThrow();
    expect(changedRows(f, 0, H)).toEqual([]);
    expect(() => new LabelAnnotator().annotate(f, [rectInstance(W, H, 0, 0, 0, 0, { label: 'a very long label indeed' }, [-20, -20, 80, 80])])).not.toThrow();
    expect(changedRows(f, 0, H).length).toBeGreaterThan(0);
  });
});

describe('tag placement', () => {
  const overlap = (a: TagRect, b: TagRect) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

  it('puts a second tag for the same box inside its top edge, then below it, then inside its bottom', () => {
    const box: [number, number, number, number] = [40, 50, 140, 110];
    const placed: TagRect[] = [];
    for (let k = 0; k < 4; k++) placed.push(placeTag(box, 60, 10, 200, 200, placed));
    expect(placed).toEqual([[40, 40, 100, 50], [40, 50, 100, 60], [40, 110, 100, 120], [40, 100, 100, 110]]);
  });

  it('pushes further tags down until free, and never overlaps while the frame has room', () => {
    const box: [number, number, number, number] = [10, 30, 90, 60];
    const placed: TagRect[] = [];
    for (let k = 0; k < 8; k++) placed.push(placeTag(box, 50, 10, 120, 200, placed));
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlap(placed[i], placed[j])).toBe(false);
    for (const r of placed) expect(r[1] >= 0 && r[3] <= 200 && r[0] >= 0 && r[2] <= 120).toBe(true);
  });

  it('draws two labels of one object (a class confusion) both readable: tags apart, both colours visible', () => {
    const W = 200, H = 120;
    const f = solidFrame(W, H, BG);
    const a = rectInstance(W, H, 0, 0, 0, 0, { classId: 2, label: 'box', score: 0.99 }, [40, 40, 150, 100]);
    const b = rectInstance(W, H, 0, 0, 0, 0, { classId: 3, label: 'triangle', score: 0.54 }, [41, 41, 150, 100]);
    new LabelAnnotator({ textScale: 1, padding: 2 }).annotate(f, [a, b]);
    const tagH = measureText('box 0.99', 1).height + 4;
    // First tag above the box, in class 2's colour; second just inside the box top, class 3's.
    expect(lum(f, 40, 40 - tagH)).toBe(Y(2));
    expect(lum(f, 41, 41)).toBe(Y(3));
    expect(lum(f, 41, 41 + tagH - 1)).toBe(Y(3));
  });
});
