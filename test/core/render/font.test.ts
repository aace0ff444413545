import { describe, expect, it } from 'vitest';
import { ADVANCE, GLYPH_H, drawText, measureText } from '../../../src/core/render/font.js';
import type { Yuv420Image } from '../../../src/core/yuv420.js';
import { lum, solidFrame, yuvOf } from './helpers.js';

const WHITE = yuvOf([255, 255, 255]);
const BLACK: [number, number, number] = [0, 0, 0];

/** Which pixels of a region were painted white, as rows of '#'/'.'. */
function art(f: Yuv420Image, x0: number, y0: number, cols: number, rows: number): string[] {
  const out: string[] = [];
  for (let y = y0; y < y0 + rows; y++) {
    let s = '';
    for (let x = x0; x < x0 + cols; x++) s += lum(f, x, y) === WHITE[0] ? '#' : '.';
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
    const f = solidFrame(20, 10, BLACK);
    drawText(f, 1, 1, 'T1', WHITE);
    expect(art(f, 1, 1, 11, 8)).toEqual([
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
    const f = solidFrame(8, 10, BLACK);
    drawText(f, 0, 0, 'g', WHITE);
    expect(art(f, 0, 6, 5, 2)).toEqual(['....#', '.###.']);
  });

  it('scales each font pixel to a block, chroma following the painted share', () => {
    const f = solidFrame(12, 16, [200, 0, 0]);
    const red = yuvOf([200, 0, 0]);
    drawText(f, 0, 0, '.', WHITE, 2);
    // '.' occupies columns 1-2, rows 5-6 of the glyph -> pixels 2..5 x 10..13 at scale 2.
    expect(art(f, 0, 10, 8, 4)).toEqual(['..####..', '..####..', '..####..', '..####..']);
    expect(lum(f, 2, 9)).toBe(red[0]);
    // Block (2..3, 10..11) is all text: white's neutral chroma; block (0..1, 10..11) untouched.
    const L = 12 * 16, cw = 6;
    expect(f.yuv[L + 5 * cw + 1]).toBe(WHITE[1]);
    expect(f.yuv[L + 5 * cw + 0]).toBe(red[1]);
  });

  it('clips at the frame edges without throwing, and draws unknown chars as ?', () => {
    const f = solidFrame(10, 6, BLACK);
    expect(() => drawText(f, -3, -4, 'WWWW', WHITE, 3)).not.toThrow();
    expect(() => drawText(f, 8, 4, 'é\u{1F600}', WHITE, 2)).not.toThrow();
    const a = solidFrame(8, 8, BLACK);
    const b = solidFrame(8, 8, BLACK);
    drawText(a, 0, 0, 'é', WHITE);
    drawText(b, 0, 0, '?', WHITE);
    expect(a.yuv).toEqual(b.yuv);
    expect(a.yuv.includes(WHITE[0])).toBe(true);
  });
});
