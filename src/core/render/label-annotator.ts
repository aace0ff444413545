/**
 * "label 0.91 #7" tags on a filled background above each box (supervision LabelAnnotator).
 */
import type { Instance } from '../types.js';
import type { Yuv420Image } from '../yuv420.js';
import { boxPixels } from './box-annotator.js';
import { drawText, measureText } from './font.js';
import { instanceDrawColors } from './palette.js';
import { fillRect } from './yuv-canvas.js';

/**
 * Text scale (font pixel size) that stays readable at the frame's height: 1 below 300 rows, 2 for
 * 360p..720p (432p included), then one step per 360 rows (3 at 1080p).
 */
export function autoTextScale(frameHeight: number): number {
  if (frameHeight < 300) return 1;
  return Math.max(2, Math.round(frameHeight / 360));
}

/** The tag text: "<label> <score to 2 places>", led by "#<trackId> " when tracked. */
export function labelText(inst: Instance): string {
  const base = `${inst.label} ${inst.score.toFixed(2)}`;
  return inst.trackId === undefined ? base : `#${inst.trackId} ${base}`;
}

export interface LabelAnnotatorOptions {
  /** Font scale; default picked from the frame height by {@link autoTextScale}. */
  textScale?: number;
  /** Background padding around the text in pixels. Default: twice the text scale. */
  padding?: number;
}

/** A tag's rectangle, [x0, y0, x1, y1) in frame pixels. */
export type TagRect = [number, number, number, number];

function overlaps(a: TagRect, b: TagRect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/**
 * Where a `tagW` x `tagH` tag for box [l, t, r, b) goes, given the tags already placed (earlier =
 * higher score): the first free spot of above the box, inside its top, below it, inside its
 * bottom (each at the box's left edge, kept inside the frame); if all four are taken, the first
 * of them pushed down one tag height at a time while that stays inside the frame; if nothing is
 * free, the preferred spot (overlap is then unavoidable).
 */
export function placeTag(
  box: [number, number, number, number], tagW: number, tagH: number,
  width: number, height: number, placed: readonly TagRect[],
): TagRect {
  const [l, t, , b] = box;
  const x = Math.max(0, Math.min(l, width - tagW));
  const at = (y: number): TagRect => {
    const yy = Math.max(0, Math.min(y, height - tagH));
    return [x, yy, x + tagW, yy + tagH];
  };
  const free = (r: TagRect): boolean => !placed.some((p) => overlaps(p, r));
  const candidates = [at(t - tagH < 0 ? t : t - tagH), at(t), at(b), at(b - tagH)];
  for (const c of candidates) if (free(c)) return c;
  for (let y = candidates[0][1] + tagH; y + tagH <= height; y += tagH) {
    const c = at(y);
    if (free(c)) return c;
  }
  return candidates[0];
}

export class LabelAnnotator {
  constructor(private readonly opts: LabelAnnotatorOptions = {}) {}

  /**
   * Draws each instance's tag at its box's top-left corner: above the box, or just inside it when
   * there is no room above; shifted left to stay inside the frame. Tags do not cover each other:
   * in the instances' order (highest score first), each takes the first free spot of
   * {@link placeTag}. Boxes entirely outside the frame get no tag.
   */
  annotate(frame: Yuv420Image, instances: Instance[]): void {
    const { width, height } = frame;
    const scale = this.opts.textScale ?? autoTextScale(height);
    const pad = this.opts.padding ?? 2 * scale;
    const placed: TagRect[] = [];
    for (const inst of instances) {
      const px = boxPixels(inst.box);
      if (!px) continue;
      const [l, t, r, b] = px;
      if (r <= 0 || b <= 0 || l >= width || t >= height) continue;
      const text = labelText(inst);
      const { width: tw, height: th } = measureText(text, scale);
      const rect = placeTag(px, tw + 2 * pad, th + 2 * pad, width, height, placed);
      placed.push(rect);
      const [x, y, x1, y1] = rect;
      const colors = instanceDrawColors(inst);
      fillRect(frame, x, y, x1, y1, colors.fill);
      drawText(frame, x + pad, y + pad, text, colors.text, scale);
    }
  }
}
