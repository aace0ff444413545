/**
 * Rectangle outlines around instance boxes (supervision BoxAnnotator).
 */
import type { Instance } from '../types.js';
import type { Yuv420Image } from '../yuv420.js';
import { instanceDrawColors } from './palette.js';
import { fillRect } from './yuv-canvas.js';

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

  /** Draws each instance's box outline into `frame`, clipped to the frame. */
  annotate(frame: Yuv420Image, instances: Instance[]): void {
    const t = this.thickness;
    for (const inst of instances) {
      const px = boxPixels(inst.box);
      if (!px) continue;
      const [l, tp, r, b] = px;
      if (r <= l || b <= tp) continue;
      const c = instanceDrawColors(inst).fill;
      fillRect(frame, l, tp, r, Math.min(b, tp + t), c); // top
      fillRect(frame, l, Math.max(tp, b - t), r, b, c); // bottom
      fillRect(frame, l, tp, Math.min(r, l + t), b, c); // left
      fillRect(frame, Math.max(l, r - t), tp, r, b, c); // right
    }
  }
}
