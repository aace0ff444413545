import { describe, expect, it } from 'vitest';
import { boxOfMask, pasteMask, pasteProtoMask } from '../../src/core/mask-paste.js';
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
      const out = new Uint8Array(W * H);
      pasteMask(M4, 4, 4, box, W, H, 0.5, out);
      expect(rowsOf(out, W, H)).toEqual(expected);
    }
  });

  it('an all-ones mask fills exactly the pixels whose centres lie in the box', () => {
    const out = new Uint8Array(W * H);
    pasteMask(new Float32Array(9).fill(1), 3, 3, [2, 3, 6.4, 5.4], W, H, 0.5, out);
    // Columns with centres in [2, 6.4]: 2..5; rows with centres in [3, 5.4]: 3..4.
    expect(boxOfMask(out, W, H)).toEqual([2, 3, 6, 5]);
    expect(out.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('never writes outside the box even at a low threshold, and never writes zeros', () => {
    const out = new Uint8Array(W * H).fill(0);
    out[0] = 1; // caller's existing content must survive
    pasteMask(new Float32Array(4).fill(0.9), 2, 2, [5, 5, 8, 8], W, H, 0.05, out);
    expect(out[0]).toBe(1);
    expect(boxOfMask(out.subarray(W), W, H - 1)).toEqual([5, 4, 8, 7]); // rows 5..7 shifted by one
  });

  it('ignores empty and fully-outside boxes', () => {
    const out = new Uint8Array(W * H);
    pasteMask(new Float32Array(4).fill(1), 2, 2, [5, 5, 5, 9], W, H, 0.5, out);
    pasteMask(new Float32Array(4).fill(1), 2, 2, [20, 20, 30, 30], W, H, 0.5, out);
    pasteMask(new Float32Array(4).fill(1), 2, 2, [-30, 2, -20, 5], W, H, 0.5, out);
    expect(out.every((v) => v === 0)).toBe(true);
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
    const out = new Uint8Array(24 * 16);
    pasteProtoMask(P, 8, 8, { scale: 1, padX: 4, padY: 8, inW: 32, inH: 32 }, [2.5, 1.2, 20.7, 14.9], 24, 16, 0.5, out);
    expect(rowsOf(out, 24, 16)).toEqual(expected);
  });

  it('maps frame -> input -> proto through scale and pad (linear ramp, analytic edge)', () => {
    // proto value = x coordinate / 16 on a 16-wide grid: bilinear reproduces it exactly inside.
    const mw = 16, mh = 4;
    const ramp = new Float32Array(mw * mh);
    for (let y = 0; y < mh; y++) for (let x = 0; x < mw; x++) ramp[y * mw + x] = x / 16;
    const map = { scale: 0.5, padX: 10, padY: 0, inW: 64, inH: 16 };
    const fw = 100, fh = 8;
    const out = new Uint8Array(fw * fh);
    pasteProtoMask(ramp, mw, mh, map, [0, 0, fw, fh], fw, fh, 0.5, out);
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
    const out = new Uint8Array(24 * 16);
    pasteProtoMask(new Float32Array(64).fill(1), 8, 8, { scale: 1, padX: 4, padY: 8, inW: 32, inH: 32 }, [3, 4, 7, 6], 24, 16, 0.5, out);
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
