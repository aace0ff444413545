import { describe, expect, it } from 'vitest';
import {
  decodeRle,
  decodeRleOnes,
  encodeRle,
  rleArea,
  rleCountsFromString,
  rleCountsToString,
  rleIou,
  rleToBbox,
} from '../../src/core/rle.js';
import type { BoxXYXY, Rle } from '../../src/core/types.js';

/** Row-major mask from rows of 0/1 numbers. */
function maskOf(rows: number[][]): { mask: Uint8Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0].length;
  return { mask: Uint8Array.from(rows.flat()), w, h };
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random blob confined to `roi` (a few rectangles and speckle inside it). */
function randomBlob(w: number, h: number, roi: [number, number, number, number], rand: () => number): Uint8Array {
  const m = new Uint8Array(w * h);
  const [rx0, ry0, rx1, ry1] = roi;
  for (let y = ry0; y < ry1; y++) {
    for (let x = rx0; x < rx1; x++) m[y * w + x] = rand() < 0.5 ? 1 : 0;
  }
  // Solid rows/columns so long runs and column-spanning runs occur too.
  for (let y = ry0; y < Math.min(ry1, ry0 + 3); y++) m.fill(1, y * w + rx0, y * w + rx1);
  return m;
}

// Reference values below come from pycocotools 2.0.11 (mask.encode / frPyObjects / toBbox / iou).
describe('encodeRle (hand-checked vectors)', () => {
  it('2x2 [[0,1],[1,1]] is column-major 0,1,1,1 -> [1,3]', () => {
    const { mask, w, h } = maskOf([[0, 1], [1, 1]]);
    expect(encodeRle(mask, w, h)).toEqual({ size: [2, 2], counts: [1, 3] });
  });

  it('3x4 mask: columns read top to bottom, first run counts zeros', () => {
    // Columns: (0,1,0) (1,1,0) (1,0,0) (0,0,1) -> 0 1 0 1 1 0 1 0 0 0 0 1
    const { mask, w, h } = maskOf([
      [0, 1, 1, 0],
      [1, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
    const rle = encodeRle(mask, w, h);
    expect(rle).toEqual({ size: [3, 4], counts: [1, 1, 1, 2, 1, 1, 4, 1] });
    expect(rleCountsToString(rle.counts)).toBe('11110O30');
    expect(rleArea(rle)).toBe(5);
    expect(rleToBbox(rle)).toEqual([0, 0, 4, 3]);
  });

  it('all zero is one zero run; all one starts with a 0 count', () => {
    expect(encodeRle(new Uint8Array(12), 4, 3).counts).toEqual([12]);
    expect(encodeRle(new Uint8Array(12).fill(1), 4, 3).counts).toEqual([0, 12]);
  });

  it('single-pixel corners', () => {
    const w = 4, h = 3;
    const at = (x: number, y: number) => {
      const m = new Uint8Array(w * h);
      m[y * w + x] = 1;
      return encodeRle(m, w, h).counts;
    };
    expect(at(0, 0)).toEqual([0, 1, 11]);
    expect(at(3, 2)).toEqual([11, 1]);
    expect(at(3, 0)).toEqual([9, 1, 2]);
    expect(at(0, 2)).toEqual([2, 1, 9]);
  });

  it('treats any nonzero byte as set', () => {
    const m = Uint8Array.from([0, 255, 7, 1]);
    expect(encodeRle(m, 2, 2).counts).toEqual([1, 3]);
  });

  it('rejects a mask shorter than width*height', () => {
    expect(() => encodeRle(new Uint8Array(5), 2, 3)).toThrow(RangeError);
  });
});

describe('encodeRle with roi', () => {
  it('gives exactly the same RLE as a full scan, for random blobs and awkward rois', () => {
    const rand = rng(42);
    for (let trial = 0; trial < 200; trial++) {
      const w = 1 + Math.floor(rand() * 40);
      const h = 1 + Math.floor(rand() * 40);
      const x0 = Math.floor(rand() * w), x1 = x0 + Math.floor(rand() * (w - x0 + 1));
      const y0 = Math.floor(rand() * h), y1 = y0 + Math.floor(rand() * (h - y0 + 1));
      const mask = randomBlob(w, h, [x0, y0, x1, y1], rand);
      const full = encodeRle(mask, w, h);
      // Exact roi, a fractional one around it, and one spilling out of the frame.
      const rois: BoxXYXY[] = [
        [x0, y0, x1, y1],
        [x0 + 0.7, y0 + 0.4, x1 - 0.2, y1 - 0.6], // floor/ceil still covers the blob
        [x0 - 5, y0 - 5, x1 + 5, y1 + 5],
      ];
      for (const roi of rois) expect(encodeRle(mask, w, h, roi)).toEqual(full);
    }
  });

  it('does not read pixels outside the roi', () => {
    const w = 6, h = 5;
    const m = new Uint8Array(w * h);
    m[2 * w + 2] = 1;
    m[0] = 1; // garbage outside the roi must be ignored
    expect(encodeRle(m, w, h, [1, 1, 4, 4]).counts).toEqual([12, 1, 17]);
  });

  it('handles an empty roi and a roi covering one column at the edges', () => {
    const w = 5, h = 4;
    const m = new Uint8Array(w * h);
    expect(encodeRle(m, w, h, [2, 2, 2, 3]).counts).toEqual([20]);
    m[0 * w + 4] = 1;
    m[3 * w + 4] = 1;
    expect(encodeRle(m, w, h, [4, 0, 5, 4])).toEqual(encodeRle(m, w, h));
    expect(encodeRle(m, w, h, [4, 0, 5, 4]).counts).toEqual([16, 1, 2, 1]);
  });
});

describe('decodeRle', () => {
  it('round-trips random masks (seeded)', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 100; trial++) {
      const w = 1 + Math.floor(rand() * 50);
      const h = 1 + Math.floor(rand() * 50);
      const mask = randomBlob(w, h, [0, 0, w, h], rand);
      const rle = encodeRle(mask, w, h);
      expect(decodeRle(rle)).toEqual(mask);
      expect(rleCountsFromString(rleCountsToString(rle.counts))).toEqual(rle.counts);
    }
  });

  it('zero-fills and reuses the out buffer', () => {
    const out = new Uint8Array(4).fill(9);
    const res = decodeRle({ size: [2, 2], counts: [1, 3] }, out);
    expect(res).toBe(out);
    expect(Array.from(out)).toEqual([0, 1, 1, 1]);
  });

  it('decodeRleOnes only writes set pixels', () => {
    const out = new Uint8Array(4).fill(5);
    decodeRleOnes({ size: [2, 2], counts: [1, 1, 2] }, out);
    expect(Array.from(out)).toEqual([5, 5, 1, 5]);
  });
});

describe('rleToBbox / rleArea', () => {
  it('matches pycocotools toBbox, including runs that wrap a column', () => {
    expect(rleToBbox({ size: [5, 4], counts: [8, 3, 9] })).toEqual([1, 0, 2, 5]);
    expect(rleToBbox({ size: [6, 3], counts: [4, 1, 2, 1, 10] })).toEqual([0, 1, 2, 4]);
    expect(rleToBbox({ size: [3, 4], counts: [12] })).toEqual([0, 0, 0, 0]);
    expect(rleToBbox({ size: [3, 4], counts: [0, 12] })).toEqual([0, 0, 4, 3]);
  });

  it('agrees with a decoded tight box on random masks', () => {
    const rand = rng(99);
    for (let trial = 0; trial < 50; trial++) {
      const w = 2 + Math.floor(rand() * 30), h = 2 + Math.floor(rand() * 30);
      const mask = new Uint8Array(w * h);
      for (let i = 0; i < 3; i++) mask[Math.floor(rand() * w * h)] = 1;
      let xs = w, ys = h, xe = -1, ye = -1, area = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]) {
        area++; xs = Math.min(xs, x); ys = Math.min(ys, y); xe = Math.max(xe, x); ye = Math.max(ye, y);
      }
      const rle = encodeRle(mask, w, h);
      expect(rleToBbox(rle)).toEqual([xs, ys, xe - xs + 1, ye - ys + 1]);
      expect(rleArea(rle)).toBe(area);
    }
  });
});

describe('rleIou', () => {
  function rect(w: number, h: number, rects: [number, number, number, number][]): Rle {
    const m = new Uint8Array(w * h);
    for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) m.fill(1, y * w + x0, y * w + x1);
    return encodeRle(m, w, h);
  }
  // a[5:20,10:40] + a[25:30,2:8]; b[10:33,30:50] on 53x37 (numpy row:col slices).
  const a = rect(53, 37, [[10, 5, 40, 20], [2, 25, 8, 30]]);
  const b = rect(53, 37, [[30, 10, 50, 33]]);

  it('matches pycocotools iou (and the crowd variant)', () => {
    expect(rleCountsToString(a.counts)).toBe('S35P1000000000f1:PN000000000000000000000000000000000000000000000000000000000l>');
    expect(rleCountsToString(b.counts)).toBe('PS1g0>0000000000000000000000000000000000000U3');
    expect(rleToBbox(a)).toEqual([2, 5, 38, 25]);
    expect(rleIou(a, b)).toBeCloseTo(0.11904761904761904, 12);
    expect(rleIou(a, b, true)).toBeCloseTo(0.20833333333333334, 12);
    expect(rleIou(a, a)).toBe(1);
  });

  it('is 0 for disjoint or empty masks and throws on size mismatch', () => {
    const c = rect(53, 37, [[0, 0, 2, 2]]);
    expect(rleIou(b, c)).toBe(0);
    expect(rleIou(rect(53, 37, []), rect(53, 37, []))).toBe(0);
    expect(() => rleIou(a, rect(52, 37, []))).toThrow(RangeError);
  });

  it('equals the decoded-pixel IoU on random masks', () => {
    const rand = rng(5);
    for (let trial = 0; trial < 30; trial++) {
      const w = 1 + Math.floor(rand() * 30), h = 1 + Math.floor(rand() * 30);
      const ma = randomBlob(w, h, [0, 0, w, h], rand);
      const mb = randomBlob(w, h, [0, 0, w, h], rand);
      let inter = 0, union = 0;
      for (let i = 0; i < w * h; i++) { inter += ma[i] & mb[i]; union += ma[i] | mb[i]; }
      expect(rleIou(encodeRle(ma, w, h), encodeRle(mb, w, h))).toBeCloseTo(inter === 0 ? 0 : inter / union, 12);
    }
  });
});

describe('compressed counts strings (pycocotools rleToString / rleFrString)', () => {
  const REF: [number[], string][] = [
    [[1, 3], '13'],
    [[0, 12], '0<'],
    [[12], '<'],
    [[31, 1], 'o01'],
    [[32, 1], 'P11'],
    [[33, 1000, 1001], 'Q1Xo0Yo0'],
    [[5, 40, 3, 1000, 2, 33000, 7], '5X13Pn0OPXo05'],
    // Deltas for i > 2 go negative here (10-1000, 3-5, 1-2000, ...).
    [[1000, 5, 10, 3, 2000, 1, 4, 70000, 1], 'Xo05:NVn1NdQN_[T2M'],
    [Array.from({ length: 35 }, (_, i) => i), '01222222222222222222222222222222222'],
  ];

  it('encodes byte-exactly', () => {
    for (const [counts, s] of REF) expect(rleCountsToString(counts)).toBe(s);
  });

  it('decodes byte-exactly', () => {
    for (const [counts, s] of REF) expect(rleCountsFromString(s)).toEqual(counts);
  });

  it('round-trips large counts (> 32 bits of deltas, long lists)', () => {
    const rand = rng(11);
    const counts = Array.from({ length: 20000 }, () => Math.floor(rand() * 3_000_000));
    counts.push(2 ** 31 + 5, 0, 7);
    expect(rleCountsFromString(rleCountsToString(counts))).toEqual(counts);
  });

  it('rejects malformed strings', () => {
    expect(() => rleCountsFromString('P')).toThrow(SyntaxError); // continuation bit, then nothing
    expect(() => rleCountsFromString(' ')).toThrow(SyntaxError);
  });
});
