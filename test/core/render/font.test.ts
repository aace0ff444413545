import { describe, expect, it } from 'vitest';
import { ADVANCE, GLYPH_H, drawText, measureText } from '../../../src/core/render/font.js';
import { px, solidFrame } from './helpers.js';

const WHITE: [number, number, number] = [255, 255, 255];

/** Which pixels of a region were painted white, as rows of '#'/'.'. */
function art(f: Uint8Array, w: number, x0: number, y0: number, cols: number, rows: number): string[] {
  const out: string[] = [];
  for (let y = y0; y < y0 + rows; y++) {
    let s = '';
    for (let x = x0; x < x0 + cols; x++) s += px(f, w, x, y)[0] === 255 ? '#' : '.';
    out.push(s);
  }
  return out;
}

describe('font', () => {
  it('measures text: 6 px advance, no trailing gap, 8 rows, times scale', () => {
    expect(measureText('', 2)).toEqual({ width: 0, height: 16 });
    expect(measureText('A')).toEqual({ width: 5, height: GLYPH_H });
    expect(measureText('person 0.91', 2)).toEqual({ width: (11 * ADVANCE - 1) * 2, height: 16 });
  });

  it('draws recognisable glyphs', () => {
    const w = 20, h = 10;
    const f = solidFrame(w, h, [0, 0, 0]);
    drawText(f, w, h, 1, 1, 'T1', WHITE);
    expect(art(f, w, 1, 1, 11, 8)).toEqual([
      '#####...#..',
      '..#....##..',
      '..#.....#..',
      '..#.....#..',
      '..#.....#..',
      '..#.....#..',
      '..#....###.',
      '...........',
    ]);
  });

  it('uses the descender row for g', () => {
    const w = 8, h = 10;
    const f = solidFrame(w, h, [0, 0, 0]);
    drawText(f, w, h, 0, 0, 'g', WHITE);
    expect(art(f, w, 0, 6, 5, 2)).toEqual(['....#', '.###.']);
  });

  it('scales each font pixel to a block', () => {
    const w = 12, h = 16;
    const f = solidFrame(w, h, [0, 0, 0]);
    drawText(f, w, h, 0, 0, '.', WHITE, 2);
    // '.' occupies columns 1-2, rows 5-6 of the glyph -> pixels 2..5 x 10..13 at scale 2.
    expect(art(f, w, 0, 10, 8, 4)).toEqual(['..####..', '..####..', '..####..', '..####..']);
    expect(px(f, w, 2, 9)).toEqual([0, 0, 0]);
  });

  it('clips at the frame edges without throwing, and draws unknown chars as ?', () => {
    const w = 10, h = 6;
    const f = solidFrame(w, h, [0, 0, 0]);
    expect(() => drawText(f, w, h, -3, -4, 'WWWW', WHITE, 3)).not.toThrow();
    expect(() => drawText(f, w, h, 8, 4, 'é\u{1F600}', WHITE, 2)).not.toThrow();
    const a = solidFrame(8, 8, [0, 0, 0]);
    const b = solidFrame(8, 8, [0, 0, 0]);
    drawText(a, 8, 8, 0, 0, 'é', WHITE);
    drawText(b, 8, 8, 0, 0, '?', WHITE);
    expect(a).toEqual(b);
    expect(a.includes(255)).toBe(true);
  });
});
