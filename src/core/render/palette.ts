/**
 * A fixed palette of distinct, saturated colours (the ultralytics 20-colour palette), so the same
 * track or class keeps the same colour across frames and runs.
 */

import { rgbToYuv, type Rgb, type Yuv } from '../yuv420.js';

export type { Rgb };

const HEX = [
  'FF3838', 'FF9D97', 'FF701F', 'FFB21D', 'CFD231', '48F90A', '92CC17', '3DDB86', '1A9334', '00D4BB',
  '2C99A8', '00C2FF', '344593', '6473FF', '0018EC', '8438FF', '520085', 'CB38FF', 'FF95C8', 'FF37C7',
];

/** The palette as [r, g, b] triples (0..255). */
export const PALETTE: readonly Rgb[] = Object.freeze(
  HEX.map((h) => [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)] as Rgb),
);

/** Palette index of an id (wraps around; negative ids are fine). */
function paletteIndex(id: number): number {
  const n = PALETTE.length;
  return ((Math.trunc(id) % n) + n) % n;
}

/** Colour for an id (wraps around the palette; negative ids are fine). Returns a fresh array. */
export function colorFor(id: number): Rgb {
  const c = PALETTE[paletteIndex(id)];
  return [c[0], c[1], c[2]];
}

/** Colour of an instance: by trackId when present (stable per object), else by classId. */
export function instanceColor(inst: { classId: number; trackId?: number }): Rgb {
  return colorFor(inst.trackId ?? inst.classId);
}

/** Black or white, whichever reads better on `bg` (Rec. 601 luma). */
export function contrastingText(bg: Rgb): Rgb {
  return 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2] > 140 ? [0, 0, 0] : [255, 255, 255];
}

/** The palette as the annotators draw it: each colour in YUV, and its tag text colour in YUV. */
const DRAW_COLORS: readonly { fill: Yuv; text: Yuv }[] = PALETTE.map((c) => ({ fill: rgbToYuv(c), text: rgbToYuv(contrastingText(c)) }));

/** An instance's drawing colours (see {@link instanceColor}), converted once for the palette. */
export function instanceDrawColors(inst: { classId: number; trackId?: number }): { readonly fill: Yuv; readonly text: Yuv } {
  return DRAW_COLORS[paletteIndex(inst.trackId ?? inst.classId)];
}
