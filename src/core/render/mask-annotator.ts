/**
 * Translucent mask fill with a solid outline, one colour per track/class (supervision MaskAnnotator).
 */
import { decodeRleOnes, rleToBbox } from '../rle.js';
import type { Instance } from '../types.js';
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

  constructor(opts: MaskAnnotatorOptions = {}) {
    const opacity = Math.min(1, Math.max(0, opts.opacity ?? 0.45));
    // Blending in 8.8 fixed point: out = (p * (256 - a) + c * a + 128) >> 8.
    this.alpha = Math.round(opacity * 256);
    this.outline = opts.outline ?? true;
    this.thickness = opts.outlineThickness ?? 1;
  }

  /**
   * Blends every instance's mask into packed RGB24 `rgb` (width x height), in order. Instances whose
   * mask size differs from the frame, or whose mask is empty, are skipped.
   */
  annotate(rgb: Uint8Array, width: number, height: number, instances: Instance[]): void {
    const area = width * height;
    if (this.scratch.length < area) this.scratch = new Uint8Array(area);
    const m = this.scratch;
    for (const inst of instances) {
      const [mh, mw] = inst.mask.size;
      if (mh !== height || mw !== width) continue;
      const [bx, by, bw, bh] = rleToBbox(inst.mask);
      if (bw === 0 || bh === 0) continue;
      decodeRleOnes(inst.mask, m);
      this.paint(rgb, width, height, bx, by, bx + bw, by + bh, instanceColor(inst));
      for (let y = by; y < by + bh; y++) m.fill(0, y * width + bx, y * width + bx + bw);
    }
  }

  /** Fill + outline over the mask's bbox [x0,x1) x [y0,y1). */
  private paint(
    rgb: Uint8Array, w: number, h: number,
    x0: number, y0: number, x1: number, y1: number,
    color: [number, number, number],
  ): void {
    const m = this.scratch;
    const a = this.alpha, inv = 256 - a;
    const [r, g, b] = color;
    const ra = r * a + 128, ga = g * a + 128, ba = b * a + 128;
    const t = this.outline ? this.thickness : 0;
    for (let y = y0; y < y1; y++) {
      const row = y * w;
      // Within t of the frame's top/bottom edge counts as boundary (the frame closes the outline).
      const rowEdge = t > 0 && (y < t || y >= h - t);
      for (let x = x0; x < x1; x++) {
        const i = row + x;
        if (m[i] === 0) continue;
        const o = i * 3;
        // A mask pixel within t steps (up/down/left/right) of a non-mask pixel or the frame edge.
        let edge = rowEdge || (t > 0 && (x < t || x >= w - t));
        if (!edge && t > 0) {
          edge = m[i - 1] === 0 || m[i + 1] === 0 || m[i - w] === 0 || m[i + w] === 0;
          if (!edge && t > 1) edge = m[i - 2] === 0 || m[i + 2] === 0 || m[i - 2 * w] === 0 || m[i + 2 * w] === 0;
        }
        if (edge) {
          rgb[o] = r;
          rgb[o + 1] = g;
          rgb[o + 2] = b;
        } else {
          rgb[o] = (rgb[o] * inv + ra) >> 8;
          rgb[o + 1] = (rgb[o + 1] * inv + ga) >> 8;
          rgb[o + 2] = (rgb[o + 2] * inv + ba) >> 8;
        }
      }
    }
  }
}
