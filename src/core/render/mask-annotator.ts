/**
 * Translucent mask fill with a solid outline, one colour per track/class (supervision MaskAnnotator).
 */
import { decodeRleOnes, rleToBbox } from '../rle.js';
import type { Instance } from '../types.js';
import { rgbToYuv, yuv420Layout, type Yuv, type Yuv420Image } from '../yuv420.js';
import { instanceColor } from './palette.js';

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
  /** Frame-sized mask decode buffer, kept all-zero between uses (only bboxes get cleared). */
  private scratch = new Uint8Array(0);
  /** Chroma weight of scratch values 0, 1 (fill: the opacity, set per paint) and OUTLINE (all). */
  private readonly weights = Int32Array.of(0, 0, 256);

  constructor(opts: MaskAnnotatorOptions = {}) {
    const opacity = Math.min(1, Math.max(0, opts.opacity ?? 0.45));
    // Blending in 8.8 fixed point: out = (p * (256 - a) + c * a + 128) >> 8.
    this.alpha = Math.round(opacity * 256);
    this.outline = opts.outline ?? true;
    this.thickness = opts.outlineThickness ?? 1;
  }

  /**
   * Blends every instance's mask into `frame`, in order. Instances whose mask size differs from
   * the frame, or whose mask is empty, are skipped.
   */
  annotate(frame: Yuv420Image, instances: Instance[]): void {
    const { width, height } = frame;
    const area = width * height;
    if (this.scratch.length < area) this.scratch = new Uint8Array(area);
    const m = this.scratch;
    for (const inst of instances) {
      const [mh, mw] = inst.mask.size;
      if (mh !== height || mw !== width) continue;
      const [bx, by, bw, bh] = rleToBbox(inst.mask);
      if (bw === 0 || bh === 0) continue;
      decodeRleOnes(inst.mask, m);
      const color = rgbToYuv(instanceColor(inst));
      this.paintLuma(frame, bx, by, bx + bw, by + bh, color[0]);
      this.paintChroma(frame, bx, by, bx + bw, by + bh, color);
      for (let y = by; y < by + bh; y++) m.fill(0, y * width + bx, y * width + bx + bw);
    }
  }

  /**
   * Fill + outline on the Y plane over the mask's bbox [x0,x1) x [y0,y1). Marks outline pixels in
   * the scratch mask as OUTLINE for the chroma pass.
   */
  private paintLuma(frame: Yuv420Image, x0: number, y0: number, x1: number, y1: number, cy: number): void {
    const { yuv, width: w, height: h } = frame;
    const m = this.scratch;
    const a = this.alpha, inv = 256 - a;
    const ca = cy * a + 128;
    const t = this.outline ? this.thickness : 0;
    for (let y = y0; y < y1; y++) {
      const row = y * w;
      // Within t of the frame's top/bottom edge counts as boundary (the frame closes the outline).
      const rowEdge = t > 0 && (y < t || y >= h - t);
      let x = x0;
      while (x < x1) {
        // The row's next run of mask pixels [xs, xe): its first and last t pixels are outline,
        // so only the pixels above and below need looking at.
        while (x < x1 && m[row + x] === 0) x++;
        if (x >= x1) break;
        const xs = x;
        while (x < x1 && m[row + x] !== 0) x++;
        const xe = x;
        const inL = Math.max(xs + t, t), inR = Math.min(xe - t, w - t); // interior columns [inL, inR)
        for (let xx = xs, i = row + xs; xx < xe; xx++, i++) {
          let edge = rowEdge || xx < inL || xx >= inR;
          if (!edge && t > 0) {
            edge = m[i - w] === 0 || m[i + w] === 0;
            if (!edge && t > 1) edge = m[i - 2 * w] === 0 || m[i + 2 * w] === 0;
          }
          if (edge) {
            yuv[i] = cy;
            m[i] = OUTLINE;
          } else {
            yuv[i] = (yuv[i] * inv + ca) >> 8;
          }
        }
      }
    }
  }

  /**
   * Chroma over the same bbox: each 2x2 block moves towards the colour by its share of outline
   * pixels (weight 1) and fill pixels (weight opacity), as if drawn in RGB and subsampled.
   */
  private paintChroma(frame: Yuv420Image, x0: number, y0: number, x1: number, y1: number, color: Yuv): void {
    const { yuv, width: w, height: h } = frame;
    const L = yuv420Layout(w, h);
    const m = this.scratch;
    const a = this.alpha;
    const [, cu, cv] = color;
    // Weight per scratch value (0 outside, 1 fill, 2 outline), 8.8 fixed point.
    const weight = this.weights;
    weight[1] = a;
    for (let j = y0 >> 1; j <= (y1 - 1) >> 1; j++) {
      const r0 = 2 * j * w;
      // A block cut by the frame's bottom or right edge repeats its one row or column, so every
      // block averages four values.
      const r1 = 2 * j + 1 < h ? r0 + w : r0;
      const crow = j * L.chromaWidth;
      for (let i = x0 >> 1; i <= (x1 - 1) >> 1; i++) {
        const x = 2 * i;
        const xr = x + 1 < w ? x + 1 : x;
        const sum = weight[m[r0 + x]] + weight[m[r0 + xr]] + weight[m[r1 + x]] + weight[m[r1 + xr]];
        if (sum === 0) continue;
        const wgt = (sum + 2) >> 2, keep = 256 - wgt;
        const u = L.uOffset + crow + i, v = L.vOffset + crow + i;
        yuv[u] = (yuv[u] * keep + cu * wgt + 128) >> 8;
        yuv[v] = (yuv[v] * keep + cv * wgt + 128) >> 8;
      }
    }
  }
}

/** Scratch-mask value of an outline pixel (fill pixels are 1). */
const OUTLINE = 2;
