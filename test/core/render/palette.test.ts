import { describe, expect, it } from 'vitest';
import { PALETTE, colorFor, contrastingText, instanceColor } from '../../../src/core/render/palette.js';

describe('palette', () => {
  it('has distinct colours and wraps ids (negative too)', () => {
    const keys = new Set(PALETTE.map((c) => c.join(',')));
    expect(keys.size).toBe(PALETTE.length);
    expect(PALETTE.length).toBeGreaterThanOrEqual(16);
    expect(colorFor(0)).toEqual([0xff, 0x38, 0x38]);
    expect(colorFor(PALETTE.length + 2)).toEqual(colorFor(2));
    expect(colorFor(-1)).toEqual(colorFor(PALETTE.length - 1));
    expect(colorFor(0)).not.toEqual(colorFor(1));
  });

  it('returns copies, so callers cannot corrupt the palette', () => {
    const c = colorFor(5);
    c[0] = 1;
    expect(colorFor(5)[0]).not.toBe(1);
  });

  it('colours by trackId when present, else by classId', () => {
    expect(instanceColor({ classId: 2 })).toEqual(colorFor(2));
    expect(instanceColor({ classId: 2, trackId: 7 })).toEqual(colorFor(7));
    expect(instanceColor({ classId: 2, trackId: 0 })).toEqual(colorFor(0));
  });

  it('picks black text on light and white on dark backgrounds', () => {
    expect(contrastingText([255, 255, 0])).toEqual([0, 0, 0]);
    expect(contrastingText([0, 24, 236])).toEqual([255, 255, 255]);
  });
});
