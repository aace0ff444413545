/**
 * An embedded 5x8 bitmap font for ASCII 32..126 (the classic HD44780-style 5x7 glyphs, with real
 * descenders on g, j, p, q, y in an 8th row), drawn straight into I420 frames at integer scales.
 * No canvas or native dependency.
 */
import type { Yuv, Yuv420Image } from '../yuv420.js';
import { paintBitmap } from './yuv-canvas.js';

export const GLYPH_W = 5;
/** Rows per glyph: 7 above the baseline and one for descenders. */
export const GLYPH_H = 8;
/** Horizontal advance per character in font pixels (glyph + 1 column of spacing). */
export const ADVANCE = GLYPH_W + 1;

// 5 bytes per glyph, one per column left to right; bit 0 is the top row, bit 7 the descender row.
const GLYPH_HEX =
  '0000000000' + '00005f0000' + '0007000700' + '147f147f14' + '242a7f2a12' + '2313086462' + '3649552250' + '0005030000' +
  '001c224100' + '0041221c00' + '142a1c2a14' + '08083e0808' + '0050300000' + '0808080808' + '0060600000' + '2010080402' +
  '3e5149453e' + '00427f4000' + '4261514946' + '2141454b31' + '1814127f10' + '2745454539' + '3c4a494930' + '0171090503' +
  '3649494936' + '064949291e' + '0036360000' + '0056360000' + '0814224100' + '1414141414' + '0041221408' + '0201510906' +
  '3249794136' + '7e1111117e' + '7f49494936' + '3e41414122' + '7f4141221c' + '7f49494941' + '7f09090901' + '3e4149497a' +
  '7f0808087f' + '00417f4100' + '2040413f01' + '7f08142241' + '7f40404040' + '7f020c027f' + '7f0408107f' + '3e4141413e' +
  '7f09090906' + '3e4151215e' + '7f09192946' + '4649494931' + '01017f0101' + '3f4040403f' + '1f2040201f' + '3f4038403f' +
  '6314081463' + '0708700807' + '6151494543' + '007f414100' + '0204081020' + '0041417f00' + '0402010204' + '4040404040' +
  '0001020400' + '2054545478' + '7f48444438' + '3844444420' + '384444487f' + '3854545418' + '087e090102' + '18a4a4a47c' +
  '7f08040478' + '00447d4000' + '4080847d00' + '7f10284400' + '00417f4000' + '7c04180478' + '7c08040478' + '3844444438' +
  'fc24242418' + '18242424fc' + '7c08040408' + '4854545420' + '043f444020' + '3c4040207c' + '1c2040201c' + '3c4030403c' +
  '4428102844' + '1ca0a0a07c' + '4464544c44' + '0008364100' + '00007f0000' + '0041360800' + '0804081008';

const GLYPHS: Uint8Array = (() => {
  const bytes = new Uint8Array(GLYPH_HEX.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(GLYPH_HEX.slice(2 * i, 2 * i + 2), 16);
  return bytes;
})();

/** Column bits of `code`'s glyph, or of '?' for characters outside 32..126. */
function glyphOffset(code: number): number {
  return ((code >= 32 && code <= 126 ? code : 63) - 32) * GLYPH_W;
}

/** Pixel size of `text` at `scale` (default 1): width has no trailing spacing; height is 8*scale. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const n = text.length;
  return { width: n === 0 ? 0 : (n * ADVANCE - 1) * scale, height: GLYPH_H * scale };
}

/** Glyph bitmap of the last text drawn, reused (labels are drawn one after another). */
let scratch = new Uint8Array(0);

/**
 * Draws `text` with its top-left corner at (x, y) into `frame`, each font pixel as a `scale` x
 * `scale` block (default 1). Clipped to the frame; characters outside ASCII 32..126 draw as '?'.
 */
export function drawText(frame: Yuv420Image, x: number, y: number, text: string, color: Yuv, scale = 1): void {
  const s = Math.max(1, Math.floor(scale));
  const { width: bw, height: bh } = measureText(text, s);
  if (bw === 0) return;
  if (scratch.length < bw * bh) scratch = new Uint8Array(bw * bh);
  const bits = scratch;
  bits.fill(0, 0, bw * bh);
  for (let i = 0; i < text.length; i++) {
    const gx = i * ADVANCE * s;
    const off = glyphOffset(text.charCodeAt(i));
    for (let col = 0; col < GLYPH_W; col++) {
      const column = GLYPHS[off + col];
      if (column === 0) continue;
      for (let row = 0; row < GLYPH_H; row++) {
        if ((column & (1 << row)) === 0) continue;
        for (let py = row * s; py < (row + 1) * s; py++) bits.fill(1, py * bw + gx + col * s, py * bw + gx + (col + 1) * s);
      }
    }
  }
  paintBitmap(frame, bits, Math.round(x), Math.round(y), bw, bh, color);
}
