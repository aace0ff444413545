import { describe, expect, it } from 'vitest';
import { boxOfMask, pasteFullMask, pasteMask, pasteProtoMask } from '../../src/core/mask-paste.js';
import { decodeRle, encodeRle } from '../../src/core/rle.js';
import type { BoxXYXY } from '../../src/core/types.js';

function rowsOf(out: Uint8Array, w: number, h: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y < h; y++) rows.push(Array.from(out.subarray(y * w, y * w + w)).join(''));
  return rows;
}

// A 4x4 probability map in sixteenths (exact in float32).
const M4 = new Float32Array([0, 4, 12, 2, 6, 15, 16, 9, 3, 14, 10, 1, 0, 5, 8, 0].map((v) => v / 16));

describe('pasteMask (detectron2 paste_masks_in_image semantics)', () => {
  // Expected rows computed with torch.nn.functional.grid_sample exactly as detectron2's
  // _do_paste_mask does (pixel centres, align_corners=False, zero padding), threshold 0.5.
  const W = 14, H = 10;
  const cases: [BoxXYXY, string[]][] = [
    [[2.3, 1.7, 11.6, 8.2], ['00000000000000', '00000000000000', '00000001100000', '00000111110000', '00001111110000', '00001111100000', '00000111000000', '00000000000000', '00000000000000', '00000000000000']],
    // Box hanging off the top-left corner.
    [[-3.0, -2.5, 6.0, 5.5], ['11111000000000', '11110000000000', '11100000000000', '11100000000000', '00000000000000', '00000000000000', '00000000000000', '00000000000000', '00000000000000', '00000000000000']],
    // Box hanging off the bottom-right corner.
    [[8.25, 4.0, 16.0, 12.0], ['00000000000000', '00000000000000', '00000000000000', '00000000000000', '00000000000000', '00000000000011', '00000000001111', '00000000001111', '00000000001111', '00000000001110']],
  ];

  it('matches the grid_sample reference, also for boxes partly outside the frame', () => {
    for (const [box, expected] of cases) {
      const out = decodeRle(pasteMask(M4, 4, 4, box, W, H, 0.5));
      expect(rowsOf(out, W, H)).toEqual(expected);
    }
  });

  it('an all-ones mask fills exactly the pixels whose centres lie in the box', () => {
    const out = decodeRle(pasteMask(new Float32Array(9).fill(1), 3, 3, [2, 3, 6.4, 5.4], W, H, 0.5));
    // Columns with centres in [2, 6.4]: 2..5; rows with centres in [3, 5.4]: 3..4.
    expect(boxOfMask(out, W, H)).toEqual([2, 3, 6, 5]);
    expect(out.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('never sets pixels outside the box, even at a low threshold', () => {
    const out = decodeRle(pasteMask(new Float32Array(4).fill(0.9), 2, 2, [5, 5, 8, 8], W, H, 0.05));
    expect(boxOfMask(out, W, H)).toEqual([5, 5, 8, 8]);
  });

  it('ignores empty and fully-outside boxes', () => {
    for (const box of [[5, 5, 5, 9], [20, 20, 30, 30], [-30, 2, -20, 5]] as BoxXYXY[]) {
      expect(pasteMask(new Float32Array(4).fill(1), 2, 2, box, W, H, 0.5)).toEqual({ size: [H, W], counts: [W * H] });
    }
  });
});

describe('pasteMask against a per-pixel reference', () => {
  // Straight per-pixel definition (grid_sample, zero padding, pixel centres in the box), with the
  // same float32 rounding of the horizontal pass, encoded by encodeRle: any difference is a bug in
  // the column-wise sampling or the run emission.
  function reference(m: Float32Array, mw: number, mh: number, box: BoxXYXY, W: number, H: number, thr: number): Uint8Array {
    const out = new Uint8Array(W * H);
    const [x1, y1, x2, y2] = box;
    const at = (r: number, c: number): number => (r >= 0 && r < mh && c >= 0 && c < mw ? m[r * mw + c] : 0);
    for (let y = 0; y < H; y++) {
      if (!(y + 0.5 >= y1 && y + 0.5 <= y2)) continue;
      const sy = (y + 0.5 - y1) * (mh / (y2 - y1)) - 0.5;
      const fy = Math.floor(sy), ty = sy - fy;
      for (let x = 0; x < W; x++) {
        if (!(x + 0.5 >= x1 && x + 0.5 <= x2)) continue;
        const sx = (x + 0.5 - x1) * (mw / (x2 - x1)) - 0.5;
        const fx = Math.floor(sx), tx = sx - fx;
        const row = (r: number): number => Math.fround((1 - tx) * at(r, fx) + tx * at(r, fx + 1));
        out[y * W + x] = (1 - ty) * row(fy) + ty * row(fy + 1) >= thr ? 1 : 0;
      }
    }
    return out;
  }

  it('gives the same RLE as thresholding every pixel, for random masks and boxes (also off-frame)', () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const W = 37, H = 23;
    let nonEmpty = 0;
    for (let t = 0; t < 300; t++) {
      const mw = 1 + Math.floor(rnd() * 9), mh = 1 + Math.floor(rnd() * 9);
      const m = new Float32Array(mw * mh).map(() => rnd());
      const xa = rnd() * 60 - 12, ya = rnd() * 40 - 8;
      const box: BoxXYXY = [xa, ya, xa + 0.5 + rnd() * 30, ya + 0.5 + rnd() * 20];
      const thr = [0.5, 0.3, 0.7][t % 3];
      const rle = pasteMask(m, mw, mh, box, W, H, thr);
      expect(rle).toEqual(encodeRle(reference(m, mw, mh, box, W, H, thr), W, H));
      if (rle.counts.length > 1) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(100);
  });

  it('stays exact for mask-like maps (flat regions, values at and next to the threshold, 28x28)', () => {
    let seed = 777;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const W = 64, H = 48;
    for (let t = 0; t < 200; t++) {
      const thr = [0.5, 0.3, 0.7][t % 3];
      const levels = [0, 0.02, thr - 1e-7, thr, thr + 1e-7, 0.98, 1, Math.fround(thr)];
      const mw = t % 2 ? 28 : 1 + Math.floor(rnd() * 12), mh = t % 2 ? 28 : 1 + Math.floor(rnd() * 12);
      // A blob: a disc of high values on low ones, with some cells at the special levels.
      const cx = rnd() * mw, cy = rnd() * mh, r = 1 + rnd() * mw / 2;
      const m = new Float32Array(mw * mh).map((_, i) => {
        const x = i % mw, y = Math.floor(i / mw);
        if (rnd() < 0.1) return levels[Math.floor(rnd() * levels.length)];
        return (x - cx) ** 2 + (y - cy) ** 2 < r * r ? 0.97 : 0.03;
      });
      const xa = rnd() * 80 - 16, ya = rnd() * 60 - 12;
      const box: BoxXYXY = [xa, ya, xa + 1 + rnd() * 70, ya + 1 + rnd() * 50];
      expect(pasteMask(m, mw, mh, box, W, H, thr)).toEqual(encodeRle(reference(m, mw, mh, box, W, H, thr), W, H));
    }
  });
});

describe('pasteFullMask (torchvision full-size masks)', () => {
  let seed = 4321;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const W = 40, H = 30;

  it('at the frame size: the map thresholded at each pixel whose centre is in the box, exactly', () => {
    for (let t = 0; t < 50; t++) {
      const probs = new Float32Array(W * H).map(() => rnd());
      const xa = rnd() * 50 - 5, ya = rnd() * 40 - 5;
      const box: BoxXYXY = [xa, ya, xa + 1 + rnd() * 30, ya + 1 + rnd() * 20];
      const expected = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const inBox = x + 0.5 >= box[0] && x + 0.5 <= box[2] && y + 0.5 >= box[1] && y + 0.5 <= box[3];
        expected[y * W + x] = inBox && probs[y * W + x] >= 0.5 ? 1 : 0;
      }
      expect(pasteFullMask(probs, W, H, box, W, H, 0.5)).toEqual(encodeRle(expected, W, H));
    }
  });

  it('at a smaller size (the frame shrunk for the model): bilinear, edge-clamped, per axis', () => {
    const mw = 17, mh = 11; // not a uniform scale of 40x30
    for (let t = 0; t < 50; t++) {
      const probs = new Float32Array(mw * mh).map(() => rnd());
      const box: BoxXYXY = [rnd() * 10, rnd() * 8, 20 + rnd() * 25, 15 + rnd() * 20];
      const at = (r: number, c: number): number => probs[Math.min(mh - 1, r) * mw + Math.min(mw - 1, c)];
      const expected = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        if (!(x + 0.5 >= box[0] && x + 0.5 <= box[2] && y + 0.5 >= box[1] && y + 0.5 <= box[3])) continue;
        const sx = Math.min(Math.max((x + 0.5) * (mw / W) - 0.5, 0), mw - 1);
        const sy = Math.min(Math.max((y + 0.5) * (mh / H) - 0.5, 0), mh - 1);
        const fx = Math.floor(sx), tx = sx - fx, fy = Math.floor(sy), ty = sy - fy;
        const row = (r: number): number => Math.fround((1 - tx) * at(r, fx) + tx * at(r, fx + 1));
        expected[y * W + x] = (1 - ty) * row(fy) + ty * row(fy + 1) >= 0.5 ? 1 : 0;
      }
      expect(pasteFullMask(probs, mw, mh, box, W, H, 0.5)).toEqual(encodeRle(expected, W, H));
    }
  });
});

describe('pasteProtoMask (YOLO-seg)', () => {
  // 8x8 prototype in sixteenths covering a 32x32 input; frame 24x16 sits at pad (4, 8), scale 1.
  // Reference: F.interpolate(proto, 32x32, bilinear, align_corners=False), cropped to the frame,
  // kept where the pixel centre is in the box, >= 0.5.
  const P = new Float32Array([
    7, 4, 11, 15, 2, 0, 15, 8, 7, 6, 15, 15, 12, 4, 7, 4, 16, 12, 0, 2, 5, 1, 9, 0, 8, 15, 12, 13, 12, 14, 4, 11,
    3, 1, 4, 15, 6, 8, 13, 9, 13, 16, 12, 11, 13, 7, 10, 0, 8, 5, 10, 3, 6, 8, 9, 3, 2, 15, 15, 2, 11, 2, 13, 4,
  ].map((v) => v / 16));
  const expected = ['000000000000000000000000', '001000000000000000000000', '001100000000000000000000', '001100000000000000000000', '001111011111111111100000', '001111111111111111110000', '001111111111111111111000', '001111111111111111111000', '000000011111111111111000', '000000011111100011111000', '000000011111100000111000', '000000011111111110111000', '001111111111111110011000', '001111111111111110011000', '001111111111111110011000', '000000000000000000000000'];

  it('matches upsample-then-crop when the letterbox is a pure shift', () => {
    const out = decodeRle(pasteProtoMask(P, 8, 8, { scale: 1, padX: 4, padY: 8, inW: 32, inH: 32 }, [2.5, 1.2, 20.7, 14.9], 24, 16, 0.5));
    expect(rowsOf(out, 24, 16)).toEqual(expected);
  });

  it('maps frame -> input -> proto through scale and pad (linear ramp, analytic edge)', () => {
    // proto value = x coordinate / 16 on a 16-wide grid: bilinear reproduces it exactly inside.
    const mw = 16, mh = 4;
    const ramp = new Float32Array(mw * mh);
    for (let y = 0; y < mh; y++) for (let x = 0; x < mw; x++) ramp[y * mw + x] = x / 16;
    const map = { scale: 0.5, padX: 10, padY: 0, inW: 64, inH: 16 };
    const fw = 100, fh = 8;
    const out = decodeRle(pasteProtoMask(ramp, mw, mh, map, [0, 0, fw, fh], fw, fh, 0.5));
    for (let px = 0; px < fw; px++) {
      const sx = ((px + 0.5) * map.scale + map.padX) * (mw / map.inW) - 0.5;
      const v = Math.min(Math.max(sx, 0), mw - 1) / 16;
      expect(out[3 * fw + px]).toBe(v >= 0.5 ? 1 : 0);
    }
    // The edge lies inside the frame, so both values occur.
    expect(out.subarray(3 * fw, 4 * fw).includes(0)).toBe(true);
    expect(out.subarray(3 * fw, 4 * fw).includes(1)).toBe(true);
  });

  it('only writes inside the box', () => {
    const out = decodeRle(pasteProtoMask(new Float32Array(64).fill(1), 8, 8, { scale: 1, padX: 4, padY: 8, inW: 32, inH: 32 }, [3, 4, 7, 6], 24, 16, 0.5));
    expect(boxOfMask(out, 24, 16)).toEqual([3, 4, 7, 6]);
  });
});

describe('boxOfMask', () => {
  it('returns the tight exclusive box or null', () => {
    const w = 7, h = 5;
    const m = new Uint8Array(w * h);
    expect(boxOfMask(m, w, h)).toBeNull();
    m[1 * w + 4] = 1;
    expect(boxOfMask(m, w, h)).toEqual([4, 1, 5, 2]);
    m[3 * w + 2] = 1;
    m[2 * w + 6] = 1;
    expect(boxOfMask(m, w, h)).toEqual([2, 1, 7, 4]);
  });
});
