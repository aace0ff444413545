import { describe, expect, it } from 'vitest';
import { encodeRle } from '../../../src/core/rle.js';
import { ByteTracker } from '../../../src/core/tracking/byte-tracker.js';
import type { BoxXYXY, Instance } from '../../../src/core/types.js';
import { H, W } from './scene.js';

/**
 * Two objects sharing one bounding box: one fills the square's upper-left triangle, the other its
 * lower-right one (think of two people, one in front of the other). Boxes cannot tell them apart;
 * masks can. The detector lists them in a different order every frame.
 */
function triangle(box: BoxXYXY, upper: boolean): Instance['mask'] {
  const m = new Uint8Array(W * H);
  const [x1, y1, x2, y2] = box;
  for (let y = Math.ceil(y1); y < y2; y++) {
    for (let x = Math.ceil(x1); x < x2; x++) {
      const u = (x - x1) / (x2 - x1), v = (y - y1) / (y2 - y1);
      if (upper ? u + v < 1 : u + v >= 1) m[y * W + x] = 1;
    }
  }
  return encodeRle(m, W, H, box);
}

function frames(n: number): { name: string; det: Instance }[][] {
  const out: { name: string; det: Instance }[][] = [];
  for (let k = 0; k < n; k++) {
    // Moving together, 4 px per frame to the right.
    const box: BoxXYXY = [100 + 4 * k, 100, 200 + 4 * k, 200];
    const a = { name: 'upper', det: { classId: 0, label: 'person', score: 0.9, box, mask: triangle(box, true) } };
    const b = { name: 'lower', det: { classId: 0, label: 'person', score: 0.9, box, mask: triangle(box, false) } };
    out.push(k % 2 === 0 ? [a, b] : [b, a]);
  }
  return out;
}

function idsPerName(similarity: 'box' | 'mask' | 'mask+box'): Map<string, Set<number>> {
  const t = new ByteTracker({ similarity });
  const seen = new Map<string, Set<number>>([['upper', new Set()], ['lower', new Set()]]);
  frames(20).forEach((f, k) => {
    const out = t.update(f.map((x) => x.det), (k * 1000) / 30);
    out.forEach((o, i) => seen.get(f[i].name)!.add(o.trackId!));
  });
  return seen;
}

describe('mask similarity', () => {
  it('keeps apart two objects with the same box', () => {
    for (const mode of ['mask', 'mask+box'] as const) {
      const ids = idsPerName(mode);
      expect([...ids.get('upper')!]).toHaveLength(1);
      expect([...ids.get('lower')!]).toHaveLength(1);
      expect([...ids.get('upper')!][0]).not.toBe([...ids.get('lower')!][0]);
    }
    // Boxes alone tie, and the ids follow the detector's order instead of the objects.
    const byBox = idsPerName('box');
    expect(byBox.get('upper')!.size).toBe(2);
    expect(byBox.get('lower')!.size).toBe(2);
  });
});
