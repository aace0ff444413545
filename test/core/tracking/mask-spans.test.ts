import { describe, expect, it } from 'vitest';
import { encodeRle, rleIou, rleToBbox } from '../../../src/core/rle.js';
import { MaskSpans } from '../../../src/core/tracking/mask-spans.js';
import { Rng } from '../../../src/synth/prng.js';

/** The mask moved by (dx, dy) pixel by pixel, clipped. */
function shiftPixels(mask: Uint8Array, w: number, h: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sx < w && sy >= 0 && sy < h) out[y * w + x] = mask[sy * w + sx];
    }
  }
  return out;
}

describe('MaskSpans', () => {
  it('is null for an empty mask and gives pycocotools bounds otherwise', () => {
    expect(MaskSpans.fromRle({ size: [4, 5], counts: [20] })).toBeNull();
    const m = new Uint8Array(6 * 7);
    m[2 * 7 + 3] = 1;
    m[4 * 7 + 5] = 1;
    const rle = encodeRle(m, 7, 6);
    const s = MaskSpans.fromRle(rle)!;
    const [x, y, bw, bh] = rleToBbox(rle);
    expect(s.bounds()).toEqual([x, y, x + bw, y + bh]);
    expect(s.area).toBe(2);
  });

  it('agrees with the IoU of the pixel-shifted mask, clipping at every edge', () => {
    const rng = new Rng(5);
    const w = 17, h = 11;
    for (let trial = 0; trial < 300; trial++) {
      // Blobby masks: a random rectangle with random holes, and a random scatter.
      const a = new Uint8Array(w * h), b = new Uint8Array(w * h);
      const rx = Math.floor(rng.next() * w), ry = Math.floor(rng.next() * h);
      const rw = 1 + Math.floor(rng.next() * (w - rx)), rh = 1 + Math.floor(rng.next() * (h - ry));
      for (let y = ry; y < ry + rh; y++) for (let x = rx; x < rx + rw; x++) a[y * w + x] = rng.next() < 0.85 ? 1 : 0;
      for (let i = 0; i < b.length; i++) b[i] = rng.next() < 0.3 ? 1 : 0;
      const sa = MaskSpans.fromRle(encodeRle(a, w, h)), sb = MaskSpans.fromRle(encodeRle(b, w, h));
      if (!sa || !sb) continue;
      const dx = Math.floor(rng.next() * 25) - 12, dy = Math.floor(rng.next() * 17) - 8;
      const moved = shiftPixels(a, w, h, dx, dy);
      const want = rleIou(encodeRle(moved, w, h), encodeRle(b, w, h));
      expect(sa.shiftedIou(dx, dy, sb)).toBeCloseTo(want, 12);
      let area = 0;
      for (const v of moved) area += v;
      expect(sa.shiftedArea(dx, dy)).toBe(area);
    }
  });
});
