import { describe, expect, it } from 'vitest';
import { drawResult, semanticClassColor } from '../../../src/core/render/index.js';
import { encodeRle } from '../../../src/core/rle.js';
import { yuv420Layout, yuv420Size } from '../../../src/core/yuv420.js';
import type { SemanticRegion } from '../../../src/core/types.js';

const W = 64, H = 48;

/** Background everywhere, class 3 ('triangle') in [10,30) x [20,40). */
function map(): SemanticRegion[] {
  const fg = new Uint8Array(W * H);
  for (let y = 20; y < 40; y++) for (let x = 10; x < 30; x++) fg[y * W + x] = 1;
  const bg = fg.map((v) => 1 - v);
  return [
    { classId: 0, label: 'background', pixels: W * H - 400, mask: encodeRle(bg, W, H) },
    { classId: 3, label: 'triangle', pixels: 400, mask: encodeRle(fg, W, H) },
  ];
}

describe('semantic overlay', () => {
  it('fills the class translucently, outlines it solid where the class changes, leaves background alone, adds a legend', () => {
    const yuv = new Uint8Array(yuv420Size(W, H)).fill(128);
    drawResult({ yuv, width: W, height: H }, { instances: [], semantic: map() });
    const [cy] = semanticClassColor(3).fill;
    expect(yuv[30 * W + 20]).not.toBe(128); // inside: blended
    expect(yuv[30 * W + 20]).not.toBe(cy);
    expect(yuv[30 * W + 10]).toBe(cy); // left edge of the class: solid outline
    expect(yuv[20 * W + 20]).toBe(cy); // top edge
    expect(yuv[45 * W + 5]).toBe(128); // background, away from the legend: untouched
    const L = yuv420Layout(W, H);
    expect(yuv[L.uOffset + 15 * L.chromaWidth + 10]).not.toBe(128); // chroma moved too
    // Legend at the top right: swatch in the class colour.
    expect(yuv[3 * W + (W - 4)]).toBe(cy);
  });

  it('--no-masks (masks: false) draws no semantic layer', () => {
    const yuv = new Uint8Array(yuv420Size(W, H)).fill(128);
    drawResult({ yuv, width: W, height: H }, { instances: [], semantic: map() }, { masks: false });
    expect(yuv.every((v) => v === 128)).toBe(true);
  });
});
