/**
 * Rectangle outlines around instance boxes (supervision BoxAnnotator).
 */
import type { Instance } from '../types.js';
import { instanceColor, type Rgb } from './palette.js';

/** Fills [x0,x1) x [y0,y1) of packed RGB24 `rgb` (w x h) with `color`, clipped to the frame. */
export function fillRect(
  rgb: Uint8Array, w: number, h: number,
  x0: number, y0: number, x1: number, y1: number,
  color: Rgb,
): void {
  const ax = Math.max(0, x0), bx = Math.min(w, x1);
  const ay = Math.max(0, y0), by = Math.min(h, y1);
  if (ax >= bx || ay >= by) return;
  const [r, g, b] = color;
  for (let y = ay; y < by; y++) {
    let o = (y * w + ax) * 3;
    for (let x = ax; x < bx; x++, o += 3) {
      rgb[o] = r;
      rgb[o + 1] = g;
      rgb[o + 2] = b;
    }
  }
}

/** Integer pixel rectangle [left, top, right, bottom) of a float xyxy box, or null if not finite. */
export function boxPixels(box: readonly number[]): [number, number, number, number] | null {
  const [x1, y1, x2, y2] = box;
  if (!Number.isFinite(x1) || !Number.isFinite(y1) || !Number.isFinite(x2) || !Number.isFinite(y2)) return null;
  return [Math.round(x1), Math.round(y1), Math.round(x2), Math.round(y2)];
}

export interface BoxAnnotatorOptions {
  /** Line width in pixels, drawn inside the box. Default 2. */
  thickness?: number;
}

export class BoxAnnotator {
  private readonly thickness: number;

  constructor(opts: BoxAnnotatorOptions = {}) {
    this.thickness = Math.max(1, Math.round(opts.thickness ?? 2));
  }

  /** Draws each instance's box outline into packed RGB24 `rgb` (width x height), clipped to the frame. */
  annotate(rgb: Uint8Array, width: number, height: number, instances: Instance[]): void {
    const t = this.thickness;
    for (const inst of instances) {
      const px = boxPixels(inst.box);
      if (!px) continue;
      const [l, tp, r, b] = px;
      if (r <= l || b <= tp) continue;
      const c = instanceColor(inst);
      fillRect(rgb, width, height, l, tp, r, Math.min(b, tp + t), c); // top
      fillRect(rgb, width, height, l, Math.max(tp, b - t), r, b, c); // bottom
      fillRect(rgb, width, height, l, tp, Math.min(r, l + t), b, c); // left
      fillRect(rgb, width, height, Math.max(l, r - t), tp, r, b, c); // right
    }
  }
}
