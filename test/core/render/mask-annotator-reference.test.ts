/**
 * The run-based MaskAnnotator against a per-pixel reference of the same rule, byte for byte, on
 * random masks: blobs touching each other and the frame's edges, odd frame sizes, both outline
 * thicknesses and no outline.
 */
import { describe, expect, it } from 'vitest';
import { MaskAnnotator } from '../../../src/core/render/mask-annotator.js';
import { instanceColor } from '../../../src/core/render/palette.js';
import { encodeRle } from '../../../src/core/rle.js';
import type { Instance } from '../../../src/core/types.js';
import { rgbToYuv, yuv420Layout, type Yuv420Image } from '../../../src/core/yuv420.js';

/** The rule, one pixel at a time: the definition the fast path must match exactly. */
function referencePaint(frame: Yuv420Image, m: Uint8Array, color: [number, number, number], opacity: number, t: number): void {
  const { yuv, width: w, height: h } = frame;
  const a = Math.round(opacity * 256);
  const [cy, cu, cv] = color;
  const cls = new Uint8Array(w * h); // 0 outside, 1 fill, 2 outline
  const inMask = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && m[y * w + x] !== 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inMask(x, y)) continue;
      let edge = t > 0 && (y < t || y >= h - t || x < t || x >= w - t);
      for (let d = 1; d <= t && !edge; d++) edge = !inMask(x - d, y) || !inMask(x + d, y) || !inMask(x, y - d) || !inMask(x, y + d);
      const i = y * w + x;
      cls[i] = edge ? 2 : 1;
      yuv[i] = edge ? cy : (yuv[i] * (256 - a) + cy * a + 128) >> 8;
    }
  }
  const L = yuv420Layout(w, h);
  const weight = [0, a, 256];
  for (let j = 0; j < L.chromaHeight; j++) {
    for (let i = 0; i < L.chromaWidth; i++) {
      // Four samples, repeating the block's one row or column at the frame's edge.
      const xs = [2 * i, Math.min(2 * i + 1, w - 1)], ys = [2 * j, Math.min(2 * j + 1, h - 1)];
      let sum = 0;
      for (const y of ys) for (const x of xs) sum += weight[cls[y * w + x]];
      if (sum === 0) continue;
      const wgt = (sum + 2) >> 2;
      const u = L.uOffset + j * L.chromaWidth + i, v = L.vOffset + j * L.chromaWidth + i;
      yuv[u] = (yuv[u] * (256 - wgt) + cu * wgt + 128) >> 8;
      yuv[v] = (yuv[v] * (256 - wgt) + cv * wgt + 128) >> 8;
    }
  }
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMask(w: number, h: number, r: () => number): Uint8Array {
  const m = new Uint8Array(w * h);
  const blobs = 1 + Math.floor(r() * 4);
  for (let b = 0; b < blobs; b++) {
    const cx = r() * w, cy = r() * h, rx = 1 + r() * w * 0.4, ry = 1 + r() * h * 0.4;
    const ellipse = r() < 0.6;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
        if (ellipse ? dx * dx + dy * dy <= 1 : Math.abs(dx) <= 1 && Math.abs(dy) <= 1) m[y * w + x] = 1;
      }
    }
  }
  // Salt: single pixels and holes, the hardest outlines.
  for (let k = 0; k < (w * h) / 40; k++) m[Math.floor(r() * w * h)] ^= 1;
  return m;
}

function noiseFrame(w: number, h: number, r: () => number): Yuv420Image {
  const yuv = new Uint8Array(yuv420Layout(w, h).size);
  for (let i = 0; i < yuv.length; i++) yuv[i] = Math.floor(r() * 256);
  return { yuv, width: w, height: h };
}

describe('MaskAnnotator matches the per-pixel rule exactly', () => {
  const cases: { outline: boolean; outlineThickness: 1 | 2; opacity: number }[] = [
    { outline: true, outlineThickness: 1, opacity: 0.45 },
    { outline: true, outlineThickness: 2, opacity: 0.3 },
    { outline: false, outlineThickness: 1, opacity: 0.7 },
  ];
  for (const opts of cases) {
    it(`outline ${opts.outline ? opts.outlineThickness : 'off'}, opacity ${opts.opacity}`, () => {
      const r = rng(opts.outlineThickness * 100 + opts.opacity * 10);
      const ann = new MaskAnnotator(opts);
      for (let trial = 0; trial < 40; trial++) {
        const w = 1 + Math.floor(r() * 48), h = 1 + Math.floor(r() * 36);
        const frame = noiseFrame(w, h, r);
        const expected: Yuv420Image = { ...frame, yuv: frame.yuv.slice() };
        const instances: Instance[] = [];
        for (let k = 0; k < 3; k++) {
          const m = randomMask(w, h, r);
          const inst: Instance = { classId: k, label: 'x', score: 1, box: [0, 0, w, h], mask: encodeRle(m, w, h) };
          instances.push(inst);
          referencePaint(expected, m, rgbToYuv(instanceColor(inst)), opts.opacity, opts.outline ? opts.outlineThickness : 0);
        }
        ann.annotate(frame, instances);
        expect(Buffer.from(frame.yuv).equals(Buffer.from(expected.yuv)), `trial ${trial}: ${w}x${h}`).toBe(true);
      }
    });
  }
});
