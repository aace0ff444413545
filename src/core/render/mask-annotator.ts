/**
 * Translucent mask fill with a solid outline, one colour per track/class (supervision MaskAnnotator).
 */
import type { Instance, Rle } from '../types.js';
import { yuv420Layout, type Yuv, type Yuv420Image } from '../yuv420.js';
import { ColumnRuns, Intervals } from './column-runs.js';
import { instanceDrawColors } from './palette.js';

export interface MaskAnnotatorOptions {
  /** Weight of the colour in the fill, 0..1. Default 0.45. */
  opacity?: number;
  /** Draw the mask boundary in the solid colour. Default true. */
  outline?: boolean;
  /** Outline width in pixels, inside the mask. Default 1. */
  outlineThickness?: 1 | 2;
}

export class MaskAnnotator {
  private readonly alpha: number;
  private readonly outline: boolean;
  private readonly thickness: number;
  private readonly runs = new ColumnRuns();
  /** Rows of the current column where both horizontal neighbours (up to the thickness) are mask. */
  private readonly inner = new Intervals();
  private readonly tmp = new Intervals();
  /** Per chroma row: painted weight of the current column pair (8.8 fixed point per pixel). */
  private acc = new Int32Array(0);

  constructor(opts: MaskAnnotatorOptions = {}) {
    const opacity = Math.min(1, Math.max(0, opts.opacity ?? 0.45));
    // Blending in 8.8 fixed point: out = (p * (256 - a) + c * a + 128) >> 8.
    this.alpha = Math.round(opacity * 256);
    this.outline = opts.outline ?? true;
    this.thickness = opts.outlineThickness ?? 1;
  }

  /**
   * Blends every instance's mask into `frame`, in order: mask pixels within the outline thickness
   * (up, down, left or right) of a non-mask pixel or the frame's edge get the solid colour, the
   * others are blended by the opacity. Instances whose mask size differs from the frame are skipped.
   */
  annotate(frame: Yuv420Image, instances: Instance[]): void {
    const { width, height } = frame;
    const ch = (height + 1) >> 1;
    if (this.acc.length < ch) this.acc = new Int32Array(ch);
    for (const inst of instances) {
      const [mh, mw] = inst.mask.size;
      if (mh !== height || mw !== width) continue;
      this.runs.load(inst.mask);
      this.paint(frame, instanceDrawColors(inst).fill);
    }
  }

  /** Blends one frame-size mask in `color` (fill and outline as for an instance); other sizes are skipped. */
  annotateMask(frame: Yuv420Image, mask: Rle, color: Yuv): void {
    const ch = (frame.height + 1) >> 1;
    if (this.acc.length < ch) this.acc = new Int32Array(ch);
    if (mask.size[0] !== frame.height || mask.size[1] !== frame.width) return;
    this.runs.load(mask);
    this.paint(frame, color);
  }

  /** Paints the loaded runs, column pair by column pair (one chroma column at a time). */
  private paint(frame: Yuv420Image, color: Yuv): void {
    const { yuv, width: w, height: h } = frame;
    const runs = this.runs;
    let x0 = 0;
    while (x0 < w && runs.first[x0 + 1] === runs.first[x0]) x0++;
    if (x0 === w) return; // empty mask
    let x1 = w;
    while (runs.first[x1] === runs.first[x1 - 1]) x1--;
    const L = yuv420Layout(w, h);
    const acc = this.acc;
    const [, cu, cv] = color;
    for (let i = x0 >> 1; i <= (x1 - 1) >> 1; i++) {
      let jLo = L.chromaHeight, jHi = -1;
      for (let x = 2 * i; x < Math.min(2 * i + 2, x1); x++) {
        if (runs.first[x + 1] === runs.first[x]) continue;
        this.paintColumn(yuv, w, h, x, color[0]);
        jLo = Math.min(jLo, runs.start[runs.first[x]] >> 1);
        jHi = Math.max(jHi, (runs.end[runs.first[x + 1] - 1] - 1) >> 1);
      }
      // Each chroma sample moves by its block's average weight; a block cut by the frame's right
      // or bottom edge averages the pixels it has.
      const cols = 2 * i + 1 < w ? 2 : 1;
      for (let j = jLo; j <= jHi; j++) {
        const sum = acc[j];
        if (sum === 0) continue;
        acc[j] = 0;
        const n = cols * (2 * j + 1 < h ? 2 : 1);
        const wgt = ((sum * 4) / n + 2) >> 2, keep = 256 - wgt;
        const u = L.uOffset + j * L.chromaWidth + i, v = L.vOffset + j * L.chromaWidth + i;
        yuv[u] = (yuv[u] * keep + cu * wgt + 128) >> 8;
        yuv[v] = (yuv[v] * keep + cv * wgt + 128) >> 8;
      }
    }
  }

  /** Column x: luma of each run pixel, fill or outline, and its weight added to the chroma rows. */
  private paintColumn(yuv: Uint8Array, w: number, h: number, x: number, cy: number): void {
    const runs = this.runs, acc = this.acc;
    const t = this.outline ? this.thickness : 0;
    const a = this.alpha, inv = 256 - a, ca = cy * a + 128;
    // Rows where every horizontal neighbour within t is mask too (all rows when t = 0; none
    // within t of the frame's left or right edge, or of its top or bottom).
    const inner = this.inner;
    if (t === 0) {
      inner.clear();
      inner.add(0, h);
    } else if (x < t || x >= w - t) {
      inner.clear();
    } else {
      this.tmp.setColumn(runs, x - 1, t, h - t);
      inner.intersectColumn(this.tmp, runs, x + 1);
      if (t > 1) {
        this.tmp.intersectColumn(inner, runs, x - 2);
        inner.intersectColumn(this.tmp, runs, x + 2);
      }
    }
    const { start: rs, end: re } = runs;
    let p = 0;
    for (let k = runs.first[x]; k < runs.first[x + 1]; k++) {
      const ra = rs[k], rb = re[k];
      // Fill rows: the run less t at each end, where the neighbours are mask; the rest is outline.
      const fa = ra + t, fb = rb - t;
      let y = ra;
      while (p < inner.length && inner.end[p] <= fa) p++;
      for (let q = p; q < inner.length && inner.start[q] < fb; q++) {
        const s = Math.max(fa, inner.start[q]), e = Math.min(fb, inner.end[q]);
        if (s >= e) continue;
        for (let idx = y * w + x; y < s; y++, idx += w) {
          yuv[idx] = cy;
          acc[y >> 1] += 256;
        }
        for (let idx = y * w + x; y < e; y++, idx += w) {
          yuv[idx] = (yuv[idx] * inv + ca) >> 8;
          acc[y >> 1] += a;
        }
      }
      for (let idx = y * w + x; y < rb; y++, idx += w) {
        yuv[idx] = cy;
        acc[y >> 1] += 256;
      }
    }
  }
}
