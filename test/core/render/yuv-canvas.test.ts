/** fillRect and paintBitmap against the per-pixel rule: luma painted, chroma by painted share. */
import { describe, expect, it } from 'vitest';
import { fillRect, paintBitmap } from '../../../src/core/render/yuv-canvas.js';
import { yuv420Layout, type Yuv, type Yuv420Image } from '../../../src/core/yuv420.js';

/** Paints the pixels where `inside(x, y)`, one at a time. */
function reference(frame: Yuv420Image, inside: (x: number, y: number) => boolean, color: Yuv): void {
  const { yuv, width: w, height: h } = frame;
  const L = yuv420Layout(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x, y)) yuv[y * w + x] = color[0];
  for (let j = 0; j < L.chromaHeight; j++) {
    for (let i = 0; i < L.chromaWidth; i++) {
      let of = 0, share = 0;
      for (let y = 2 * j; y < Math.min(h, 2 * j + 2); y++) {
        for (let x = 2 * i; x < Math.min(w, 2 * i + 2); x++) {
          of++;
          if (inside(x, y)) share++;
        }
      }
      if (share === 0) continue;
      for (const [off, c] of [[L.uOffset, color[1]], [L.vOffset, color[2]]] as const) {
        const k = off + j * L.chromaWidth + i;
        yuv[k] = share === of ? c : Math.floor((yuv[k] * (of - share) + c * share + (of >> 1)) / of);
      }
    }
  }
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

function noise(w: number, h: number, r: () => number): Yuv420Image {
  const yuv = new Uint8Array(yuv420Layout(w, h).size);
  for (let i = 0; i < yuv.length; i++) yuv[i] = Math.floor(r() * 256);
  return { yuv, width: w, height: h };
}

const copy = (f: Yuv420Image): Yuv420Image => ({ ...f, yuv: f.yuv.slice() });

describe('yuv canvas', () => {
  it('fillRect: any rectangle, clipped, odd frame sizes', () => {
    const r = rng(3);
    for (let trial = 0; trial < 300; trial++) {
      const w = 1 + Math.floor(r() * 21), h = 1 + Math.floor(r() * 17);
      const f = noise(w, h, r), g = copy(f);
      const x0 = Math.floor(r() * (w + 6)) - 3, y0 = Math.floor(r() * (h + 6)) - 3;
      const x1 = x0 + Math.floor(r() * 12), y1 = y0 + Math.floor(r() * 12);
      const c: Yuv = [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
      fillRect(f, x0, y0, x1, y1, c);
      reference(g, (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1, c);
      expect(Buffer.from(f.yuv).equals(Buffer.from(g.yuv)), `trial ${trial}: ${w}x${h} [${x0},${y0},${x1},${y1})`).toBe(true);
    }
  });

  it('paintBitmap: any bitmap at any offset, clipped, odd frame sizes', () => {
    const r = rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const w = 1 + Math.floor(r() * 21), h = 1 + Math.floor(r() * 17);
      const f = noise(w, h, r), g = copy(f);
      const bw = 1 + Math.floor(r() * 9), bh = 1 + Math.floor(r() * 9);
      const bits = Uint8Array.from({ length: bw * bh }, () => (r() < 0.5 ? 1 : 0));
      const x0 = Math.floor(r() * (w + 6)) - 3, y0 = Math.floor(r() * (h + 6)) - 3;
      const c: Yuv = [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
      paintBitmap(f, bits, x0, y0, bw, bh, c);
      const inside = (x: number, y: number) => x >= x0 && x < x0 + bw && y >= y0 && y < y0 + bh && bits[(y - y0) * bw + (x - x0)] === 1;
      reference(g, inside, c);
      expect(Buffer.from(f.yuv).equals(Buffer.from(g.yuv)), `trial ${trial}`).toBe(true);
    }
  });
});
