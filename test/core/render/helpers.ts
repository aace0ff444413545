import { encodeRle } from '../../../src/core/rle.js';
import type { BoxXYXY, Instance } from '../../../src/core/types.js';

/** A frame filled with one colour. */
export function solidFrame(w: number, h: number, rgb: [number, number, number] = [100, 100, 100]): Uint8Array {
  const f = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) f.set(rgb, i * 3);
  return f;
}

export function px(f: Uint8Array, w: number, x: number, y: number): [number, number, number] {
  const o = (y * w + x) * 3;
  return [f[o], f[o + 1], f[o + 2]];
}

/** An instance whose mask is the filled rectangle [x0,x1) x [y0,y1) and whose box is `box` (default the same). */
export function rectInstance(
  w: number, h: number, x0: number, y0: number, x1: number, y1: number,
  over: Partial<Instance> = {}, box?: BoxXYXY,
): Instance {
  const m = new Uint8Array(w * h);
  for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(w, x1); x++) m[y * w + x] = 1;
  }
  return {
    classId: 0, label: 'thing', score: 0.91,
    box: box ?? [x0, y0, x1, y1],
    mask: encodeRle(m, w, h),
    ...over,
  };
}
