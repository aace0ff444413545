import { describe, expect, it } from 'vitest';
import { decodeRle, encodeRle } from '../../../src/core/rle.js';
import { shiftRle } from '../../../src/core/tracking/rle-shift.js';
import { Rng } from '../../../src/synth/prng.js';

/** The shift done pixel by pixel on the decoded mask. */
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

describe('shiftRle', () => {
  it('moves a block right and down', () => {
    const w = 4, h = 3;
    // One set pixel at (x 1, y 0): column-major position 3.
    const m = new Uint8Array(w * h);
    m[1] = 1;
    const s = shiftRle(encodeRle(m, w, h), 2, 1);
    // Now at (x 3, y 1): position 3·3 + 1 = 10 of 12.
    expect(s.counts).toEqual([10, 1, 1]);
  });

  it('agrees with a pixel shift, clipping at every edge', () => {
    const rng = new Rng(3);
    const w = 13, h = 9;
    for (let trial = 0; trial < 100; trial++) {
      const m = new Uint8Array(w * h);
      for (let i = 0; i < m.length; i++) m[i] = rng.next() < 0.4 ? 1 : 0;
      const dx = Math.floor(rng.next() * 31) - 15, dy = Math.floor(rng.next() * 21) - 10;
      const got = decodeRle(shiftRle(encodeRle(m, w, h), dx, dy));
      expect(Array.from(got)).toEqual(Array.from(shiftPixels(m, w, h, dx, dy)));
      // And the counts are canonical: what encodeRle writes for the shifted mask.
      expect(shiftRle(encodeRle(m, w, h), dx, dy).counts).toEqual(encodeRle(shiftPixels(m, w, h, dx, dy), w, h).counts);
    }
  });
});
