/**
 * Semantic map overlay: each class present (background excepted) blended in its class colour,
 * solid where the class changes, and a legend of the classes present in the top-right corner.
 * Class colours come from the palette shifted by {@link SEMANTIC_PALETTE_OFFSET}, so in a
 * panoptic frame the "stuff" does not wear the same colour as the instances drawn over it.
 */
import type { SemanticRegion } from '../types.js';
import { rgbToYuv, type Yuv, type Yuv420Image } from '../yuv420.js';
import { MaskAnnotator } from './mask-annotator.js';
import { colorFor, contrastingText } from './palette.js';
import { drawText, measureText } from './font.js';
import { fillRect } from './yuv-canvas.js';
import { autoTextScale } from './label-annotator.js';

/** Palette index of class k is k + this. */
export const SEMANTIC_PALETTE_OFFSET = 10;

/** Labels never filled nor listed: the model's "nothing here" class. */
const BACKGROUND = /^_*background_*$/i;

export interface SemanticAnnotatorOptions {
  /** Weight of the class colour in the fill, 0..1. @defaultValue 0.4 */
  opacity?: number;
  /** Draw the legend of classes present. @defaultValue true */
  legend?: boolean;
  /** Legend font scale. @defaultValue picked from the frame height ({@link autoTextScale}) */
  textScale?: number;
}

/** The drawing colour of a semantic class. */
export function semanticClassColor(classId: number): { fill: Yuv; text: Yuv } {
  const rgb = colorFor(classId + SEMANTIC_PALETTE_OFFSET);
  return { fill: rgbToYuv(rgb), text: rgbToYuv(contrastingText(rgb)) };
}

export class SemanticAnnotator {
  private readonly mask: MaskAnnotator;
  private readonly legend: boolean;
  private readonly colors = new Map<number, { fill: Yuv; text: Yuv }>();

  constructor(private readonly opts: SemanticAnnotatorOptions = {}) {
    this.mask = new MaskAnnotator({ opacity: opts.opacity ?? 0.4, outline: true, outlineThickness: 1 });
    this.legend = opts.legend ?? true;
  }

  annotate(frame: Yuv420Image, regions: readonly SemanticRegion[]): void {
    const shown = regions.filter((r) => !BACKGROUND.test(r.label) && r.pixels > 0);
    for (const r of shown) this.mask.annotateMask(frame, r.mask, this.colorOf(r.classId).fill);
    if (this.legend && shown.length > 0) this.drawLegend(frame, shown);
  }

  private colorOf(classId: number): { fill: Yuv; text: Yuv } {
    let c = this.colors.get(classId);
    if (!c) this.colors.set(classId, (c = semanticClassColor(classId)));
    return c;
  }

  /** One row per class: a swatch in the class colour with its label, stacked at the top right. */
  private drawLegend(frame: Yuv420Image, shown: readonly SemanticRegion[]): void {
    const scale = this.opts.textScale ?? autoTextScale(frame.height);
    const pad = 2 * scale;
    let y = pad;
    for (const r of shown) {
      const { width: tw, height: th } = measureText(r.label, scale);
      const x = frame.width - pad - tw - 2 * pad;
      const c = this.colorOf(r.classId);
      fillRect(frame, x, y, x + tw + 2 * pad, y + th + 2 * pad, c.fill);
      drawText(frame, x + pad, y + pad, r.label, c.text, scale);
      y += th + 3 * pad;
    }
  }
}
