import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ArgmaxKernel } from '../../src/core/wasm-argmax.js';
import { SemanticDecoder } from '../../src/core/semantic-argmax.js';
import { encodeLabelRuns, encodeRunEnds } from '../../src/core/label-runs.js';

const root = path.resolve(__dirname, '../..');

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Reference: label of (x, y) at dst[x * colStride + y], ties to the lower class. */
function scalarColumns(data: Float32Array, C: number, w: number, h: number, colStride: number): Uint8Array {
  const out = new Uint8Array(w * colStride);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = data[y * w + x], k = 0;
      for (let c = 1; c < C; c++) {
        const v = data[c * w * h + y * w + x];
        if (v > best) [best, k] = [v, c];
      }
      out[x * colStride + y] = k;
    }
  }
  return out;
}

/** Scores quantised to a few levels, so many pixels tie; some ±0 and large magnitudes. */
function scores(C: number, w: number, h: number, seed: number): Float32Array {
  const r = lcg(seed);
  const d = new Float32Array(C * w * h);
  for (let i = 0; i < d.length; i++) {
    const u = r();
    d[i] = u < 0.05 ? -0 : u < 0.1 ? 0 : u < 0.15 ? (r() - 0.5) * 1e30 : Math.round((r() - 0.5) * 8) / 2;
  }
  return d;
}

const columnsOf = (dst: Uint8Array, w: number, h: number, cs: number): number[] =>
  Array.from({ length: w }, (_, x) => Array.from(dst.subarray(x * cs, x * cs + h))).flat();

describe('WebAssembly argmax kernel', () => {
  it('the committed module is the assembled src/core/wasm/argmax.wat', async () => {
    const { argmaxModuleSource } = await import(path.join(root, 'scripts/build-wasm.mjs'));
    expect(readFileSync(path.join(root, 'src/core/wasm/argmax-module.ts'), 'utf8')).toBe(await argmaxModuleSource());
  });

  it('this runtime has WebAssembly SIMD, so the decoder uses the kernel', () => {
    expect(ArgmaxKernel.create()).not.toBeNull();
    expect(new SemanticDecoder().argmax).toBe('wasm');
    expect(new SemanticDecoder({ argmax: 'scalar' }).argmax).toBe('scalar');
  });

  it.each([
    [2, 16, 1, 1], [21, 37, 11, 11], [3, 5, 3, 4], [21, 64, 48, 52], [255, 7, 9, 12], [5, 161, 121, 124], [21, 1, 1, 1],
    // Over one tile of pixels (argmax.wat's T), a short last tile, a last class group of one.
    [7, 300, 230, 232], [21, 289, 461, 464],
  ])('C=%i, %ix%i, column stride %i: the labels the scalar loop gives (ties, ±0, the tail past 16 pixels, tiles)', (C, w, h, cs) => {
    const k = ArgmaxKernel.create()!;
    const data = scores(C, w, h, C * 1000 + w);
    const dst = new Uint8Array(w * cs);
    k.argmaxColumns(data, C, w, h, dst, cs);
    expect(columnsOf(dst, w, h, cs)).toEqual(columnsOf(scalarColumns(data, C, w, h, cs), w, h, cs));
  });

  it('scores in its own memory are read in place, and survive the memory growing under them', () => {
    const k = ArgmaxKernel.create()!;
    const C = 4, w = 40, h = 30;
    const view = k.scoreView(C * w * h);
    expect(k.owns(view)).toBe(true);
    expect(k.owns(new Float32Array(C * w * h))).toBe(false);
    const data = scores(C, w, h, 7);
    view.set(data);
    // A column stride this large makes the labels outgrow the room reserved after the scores.
    const cs = 4096;
    const dst = new Uint8Array(w * cs);
    const live = k.argmaxColumns(view, C, w, h, dst, cs);
    expect(view.length, 'the old view was detached: the memory grew').toBe(0);
    expect(Array.from(live)).toEqual(Array.from(data));
    expect(columnsOf(dst, w, h, cs)).toEqual(columnsOf(scalarColumns(data, C, w, h, cs), w, h, cs));
  });

  it('the decoder gives the same map with either argmax, scores in place or not, at stride 1 and upsampled', () => {
    const r = lcg(3);
    for (const [C, h, w, W, H] of [[21, 36, 64, 64, 36], [21, 13, 17, 160, 90], [5, 60, 80, 320, 240], [3, 9, 7, 9, 7]]) {
      const data = new Float32Array(C * h * w);
      for (let c = 0; c < C; c++) {
        const cx = r(), cy = r();
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[c * h * w + y * w + x] = -((x / w - cx) ** 2 + (y / h - cy) ** 2) + r() * 0.01;
      }
      const labels = Array.from({ length: C }, (_, i) => `c${i}`);
      const map = { data, classes: C, height: h, width: w };
      const ref = new SemanticDecoder({ argmax: 'scalar' }).decode(map, W, H, labels);
      const wasm = new SemanticDecoder();
      expect(wasm.decode(map, W, H, labels)).toEqual(ref);
      const own = wasm.scoreView(data.length);
      own.set(data);
      expect(wasm.decode({ ...map, data: own }, W, H, labels)).toEqual(ref);
    }
  });

  it('run ends found in WebAssembly give the RLE the scalar scan gives (runs of 1, runs across 16-byte steps, any length)', () => {
    const k = ArgmaxKernel.create()!;
    const r = lcg(11);
    for (const [w, h, runLen] of [[1, 1, 1], [7, 5, 1], [40, 30, 3], [161, 121, 40], [64, 48, 5000], [33, 17, 16]]) {
      const n = w * h;
      const map = new Uint8Array(n);
      for (let i = 0, cur = 0; i < n; i++) {
        if (r() < 1 / runLen) cur = Math.floor(r() * 5);
        map[i] = cur;
      }
      const labels = ['a', 'b', 'c', 'd', 'e'];
      const ends = k.runEnds(map, n);
      expect(ends[ends.length - 1]).toBe(n);
      for (let i = 1; i < ends.length; i++) expect(map[ends[i - 1]]).not.toBe(map[ends[i - 1] - 1]);
      expect(encodeRunEnds(map, ends, n, w, h, 5, labels)).toEqual(encodeLabelRuns(map, n, w, h, 5, labels));
    }
  });
});
