import { describe, expect, it } from 'vitest';
import { SemanticDecoder, encodeLabelRuns } from '../../src/core/semantic-argmax.js';
import { decodeRle, encodeRle } from '../../src/core/rle.js';
import type { SemanticRegion } from '../../src/core/types.js';

/** Reference: upsample every class plane bilinearly (align_corners=False), then argmax / threshold. */
function naiveLabels(data: Float32Array, C: number, h: number, w: number, W: number, H: number, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(W * H);
  const src = (d: number, s: number, D: number) => Math.min(s - 1, Math.max(0, (d + 0.5) * (s / D) - 0.5));
  for (let Y = 0; Y < H; Y++) {
    const sy = src(Y, h, H), y0 = Math.floor(sy), y1 = Math.min(h - 1, y0 + 1), ty = sy - y0;
    for (let X = 0; X < W; X++) {
      const sx = src(X, w, W), x0 = Math.floor(sx), x1 = Math.min(w - 1, x0 + 1), tx = sx - x0;
      const at = (c: number) => {
        const p = (y: number, x: number) => data[c * h * w + y * w + x];
        return (1 - ty) * ((1 - tx) * p(y0, x0) + tx * p(y0, x1)) + ty * ((1 - tx) * p(y1, x0) + tx * p(y1, x1));
      };
      if (C === 1) out[Y * W + X] = at(0) >= threshold ? 1 : 0;
      else {
        let best = -Infinity, k = 0;
        for (let c = 0; c < C; c++) if (at(c) > best) [best, k] = [at(c), c];
        out[Y * W + X] = k;
      }
    }
  }
  return out;
}

/** The row-major label map a semantic map describes (checks the masks are disjoint and cover it). */
function labelsOf(map: SemanticRegion[], W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H).fill(255);
  for (const r of map) {
    const m = decodeRle(r.mask);
    let n = 0;
    for (let i = 0; i < m.length; i++) {
      if (!m[i]) continue;
      expect(out[i], 'masks overlap').toBe(255);
      out[i] = r.classId;
      n++;
    }
    expect(n).toBe(r.pixels);
  }
  expect(out.includes(255), 'masks leave pixels uncovered').toBe(false);
  return out;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('SemanticDecoder', () => {
  it('equals the naive upsample-then-argmax on random smooth scores, for odd strides and sizes', () => {
    const dec = new SemanticDecoder();
    const rnd = lcg(7);
    for (const [C, h, w, W, H] of [[5, 7, 9, 61, 47], [3, 16, 20, 60, 48], [21, 12, 16, 100, 75], [2, 5, 5, 5, 5], [4, 10, 13, 33, 21]] as const) {
      const data = new Float32Array(C * h * w);
      for (let i = 0; i < data.length; i++) data[i] = rnd() * 4;
      const labels = Array.from({ length: C }, (_, k) => `c${k}`);
      const map = dec.decode({ data, classes: C, height: h, width: w }, W, H, labels);
      expect(labelsOf(map, W, H)).toEqual(naiveLabels(data, C, h, w, W, H));
      expect(map.map((r) => r.classId)).toEqual([...map.map((r) => r.classId)].sort((a, b) => a - b));
      expect(map.every((r) => r.label === `c${r.classId}` && r.mask.size[0] === H && r.mask.size[1] === W)).toBe(true);
    }
  });

  it('equals the naive reference at stride 1, down- and upscaling, one identity axis, and exact ties', () => {
    const dec = new SemanticDecoder(); // one decoder for all: its buffers are reused across sizes
    const rnd = lcg(11);
    const cases: [number, number, number, number, number, 'smooth' | 'ties' | 'wild'][] = [
      [21, 23, 37, 37, 23, 'smooth'], // stride 1, width not a multiple of 4
      [21, 24, 40, 40, 24, 'ties'],
      [3, 20, 30, 13, 9, 'smooth'], // downscale
      [4, 6, 5, 48, 40, 'ties'], // integer factor 8: every weight 1/16 .. 15/16 and exact 0 at clamped edges
      [5, 9, 7, 14, 18, 'ties'], // factor 2
      [6, 11, 13, 13, 50, 'smooth'], // x identity, y upsampled
      [6, 11, 13, 41, 11, 'ties'], // y identity, x upsampled
      [7, 8, 9, 31, 29, 'wild'], // scores over many magnitudes, both signs
    ];
    for (const [C, h, w, W, H, kind] of cases) {
      const data = new Float32Array(C * h * w);
      for (let i = 0; i < data.length; i++) {
        const r = rnd();
        data[i] = kind === 'ties' ? Math.floor(r * 3) : kind === 'wild' ? (r - 0.5) * 10 ** Math.floor(rnd() * 12 - 4) : r * 4;
      }
      const map = dec.decode({ data, classes: C, height: h, width: w }, W, H, []);
      expect(labelsOf(map, W, H), `${C} classes ${w}x${h} → ${W}x${H} ${kind}`).toEqual(naiveLabels(data, C, h, w, W, H));
    }
  });

  it('one channel: scores at, just above and just below the threshold (0, 0.5, 0.3, float32 values) decide as the reference does', () => {
    const dec = new SemanticDecoder();
    const rnd = lcg(5);
    for (const threshold of [0, 0.5, 0.3, Math.fround(0.3), Math.fround(0.7), Math.fround(1 / 3)]) {
      const near = [threshold, Math.fround(threshold), Math.fround(threshold) + 2 ** -24, Math.fround(threshold) - 2 ** -24, threshold + 1, threshold - 1];
      const data = new Float32Array(9 * 11);
      for (let i = 0; i < data.length; i++) data[i] = near[Math.floor(rnd() * near.length)];
      for (const [W, H] of [[11, 9], [53, 37], [88, 72]]) {
        const map = dec.decode({ data, classes: 1, height: 9, width: 11 }, W, H, ['bg', 'fg'], { threshold });
        expect(labelsOf(map, W, H), `threshold ${threshold} → ${W}x${H}`).toEqual(naiveLabels(data, 1, 9, 11, W, H, threshold));
      }
    }
  });

  it('one channel: foreground where the upsampled score reaches the threshold (probabilities and logits)', () => {
    const dec = new SemanticDecoder();
    const rnd = lcg(3);
    const data = new Float32Array(6 * 8);
    for (let i = 0; i < data.length; i++) data[i] = rnd() * 2 - 1;
    for (const threshold of [0, 0.5]) {
      const map = dec.decode({ data, classes: 1, height: 6, width: 8 }, 41, 29, ['bg', 'fg'], { threshold });
      expect(labelsOf(map, 41, 29)).toEqual(naiveLabels(data, 1, 6, 8, 41, 29, threshold));
      expect(map.map((r) => r.label)).toEqual(['bg', 'fg']);
    }
  });

  it('per-class RLE equals encodeRle of each class mask (pycocotools layout)', () => {
    const W = 7, H = 5;
    const rowMajor = new Uint8Array(W * H);
    for (let i = 0; i < rowMajor.length; i++) rowMajor[i] = (i * 7) % 3;
    const col = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) col[x * H + y] = rowMajor[y * W + x];
    const map = encodeLabelRuns(col, W * H, W, H, 4, ['a', 'b', 'c', 'd']);
    expect(map.map((r) => r.classId)).toEqual([0, 1, 2]); // class 3 absent: not listed
    for (const r of map) {
      const m = Uint8Array.from(rowMajor, (v) => (v === r.classId ? 1 : 0));
      expect(r.mask).toEqual(encodeRle(m, W, H));
    }
  });

  it('per-class RLE equals encodeRle for long and short runs, any length, an unaligned view', () => {
    const rnd = lcg(21);
    for (const [W, H, runLen, offset] of [[13, 7, 40, 0], [9, 9, 3, 0], [31, 17, 200, 1], [16, 16, 1000, 2], [5, 3, 1, 3]] as const) {
      const n = W * H;
      const buf = new Uint8Array(n + offset);
      const col = buf.subarray(offset);
      for (let p = 0; p < n; ) {
        const l = Math.floor(rnd() * 3), len = 1 + Math.floor(rnd() * runLen);
        col.fill(l, p, Math.min(n, p + len));
        p += len;
      }
      const map = encodeLabelRuns(col, n, W, H, 3, []);
      for (const r of map) {
        const m = new Uint8Array(n);
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] = col[x * H + y] === r.classId ? 1 : 0;
        expect(r.mask, `${W}x${H} runs <= ${runLen} offset ${offset}`).toEqual(encodeRle(m, W, H));
      }
    }
  });

  it('a 21-class map upsampled to 720p: every pixel labelled, one region per present class', () => {
    const dec = new SemanticDecoder();
    const C = 21, h = 90, w = 160;
    const data = new Float32Array(C * h * w);
    // Vertical bands: class k wins in band k.
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[Math.floor((x * C) / w) * h * w + y * w + x] = 1;
    const map = dec.decode({ data, classes: C, height: h, width: w }, 1280, 720, []);
    expect(map).toHaveLength(21);
    expect(map.reduce((s, r) => s + r.pixels, 0)).toBe(1280 * 720);
    expect(map[0].label).toBe('class 0');
  });
});
