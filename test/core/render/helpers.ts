import { encodeRle } from '../../../src/core/rle.js';
import type { BoxXYXY, Instance } from '../../../src/core/types.js';
import { rgbToYuv, yuv420Layout, type Yuv, type Yuv420Image } from '../../../src/core/yuv420.js';

type Rgb = [number, number, number];

/** An I420 frame filled with one colour. */
export function solidFrame(w: number, h: number, rgb: Rgb = [100, 100, 100]): Yuv420Image {
  const L = yuv420Layout(w, h);
  const [y, u, v] = rgbToYuv(rgb);
  const yuv = new Uint8Array(L.size);
  yuv.fill(y, 0, L.uOffset);
  yuv.fill(u, L.uOffset, L.vOffset);
  yuv.fill(v, L.vOffset);
  return { yuv, width: w, height: h };
}

/** Pixel (x, y) as [Y, U, V]: its own luma and the chroma of its 2x2 block. */
export function px(f: Yuv420Image, x: number, y: number): Yuv {
  const L = yuv420Layout(f.width, f.height);
  const c = (y >> 1) * L.chromaWidth + (x >> 1);
  return [f.yuv[y * f.width + x], f.yuv[L.uOffset + c], f.yuv[L.vOffset + c]];
}

/** Luma of pixel (x, y). */
export function lum(f: Yuv420Image, x: number, y: number): number {
  return f.yuv[y * f.width + x];
}

/** The YUV a drawing in colour `rgb` writes (palette colours are given in RGB). */
export function yuvOf(rgb: Rgb): Yuv {
  return rgbToYuv(rgb);
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
