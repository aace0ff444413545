/**
 * "label 0.91 #7" tags on a filled background above each box (supervision LabelAnnotator).
 */
import type { Instance } from '../types.js';
import { boxPixels, fillRect } from './box-annotator.js';
import { drawText, measureText } from './font.js';
import { contrastingText, instanceColor } from './palette.js';

/**
 * Text scale (font pixel size) that stays readable at the frame's height: 1 below 300 rows, 2 for
 * 360p..720p (432p included), then one step per 360 rows (3 at 1080p).
 */
export function autoTextScale(frameHeight: number): number {
  if (frameHeight < 300) return 1;
  return Math.max(2, Math.round(frameHeight / 360));
}

/** The tag text: "<label> <score to 2 places>", plus " #<trackId>" when tracked. */
export function labelText(inst: Instance): string {
  const base = `${inst.label} ${inst.score.toFixed(2)}`;
  return inst.trackId === undefined ? base : `${base} #${inst.trackId}`;
}

export interface LabelAnnotatorOptions {
  /** Font scale; default picked from the frame height by {@link autoTextScale}. */
  textScale?: number;
  /** Background padding around the text in pixels. Default: twice the text scale. */
  padding?: number;
}

export class LabelAnnotator {
  constructor(private readonly opts: LabelAnnotatorOptions = {}) {}

  /**
   * Draws each instance's tag at its box's top-left corner: above the box, or just inside it when
   * there is no room above; shifted left to stay inside the frame. Boxes entirely outside the
   * frame get no tag.
   */
  annotate(rgb: Uint8Array, width: number, height: number, instances: Instance[]): void {
    const scale = this.opts.textScale ?? autoTextScale(height);
    const pad = this.opts.padding ?? 2 * scale;
    for (const inst of instances) {
      const px = boxPixels(inst.box);
      if (!px) continue;
      const [l, t, r, b] = px;
      if (r <= 0 || b <= 0 || l >= width || t >= height) continue;
      const text = labelText(inst);
      const { width: tw, height: th } = measureText(text, scale);
      const bgW = tw + 2 * pad, bgH = th + 2 * pad;
      const x = Math.max(0, Math.min(l, width - bgW));
      let y = t - bgH;
      if (y < 0) y = Math.max(0, Math.min(t, height - bgH));
      const bg = instanceColor(inst);
      fillRect(rgb, width, height, x, y, x + bgW, y + bgH, bg);
      drawText(rgb, width, height, x + pad, y + pad, text, contrastingText(bg), scale);
    }
  }
}
