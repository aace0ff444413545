import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/synth/prng.js';
import { boundingRadius, makeShape, paintShape, type LocalShape, type ObjectLook } from '../../src/synth/shapes.js';
import { SYNTH_CATEGORIES } from '../../src/synth/categories.js';

const W = 64;
const H = 48;
const look: ObjectLook = { color: [200, 50, 50], shadeX: 1, shadeY: 0, shadeAmp: 0, stripeAmp: 0, stripeFreq: 1 };

function paint(shape: LocalShape, x: number, y: number, angle: number, labels: Uint16Array, lv: number, rgb = new Float32Array(W * H * 3)) {
  return paintShape(shape, boundingRadius(shape), look, { x, y, angle }, rgb, labels, lv, W, H);
}

describe('Rng', () => {
  it('is deterministic per seed and stream, and differs between them', () => {
    const seq = (seed: number, stream: number) => {
      const r = new Rng(seed, stream);
      return Array.from({ length: 8 }, () => r.u32());
    };
    expect(seq(7, 1)).toEqual(seq(7, 1));
    expect(seq(7, 1)).not.toEqual(seq(8, 1));
    expect(seq(7, 1)).not.toEqual(seq(7, 2));
    expect(seq(2 ** 40 + 7, 1)).not.toEqual(seq(7, 1));
    const r = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const v = r.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      sum += v;
    }
    expect(sum / 10000).toBeCloseTo(0.5, 1);
    expect(() => new Rng(-1)).toThrow(RangeError);
    expect(() => new Rng(1.5)).toThrow(RangeError);
  });
});

describe('paintShape', () => {
  it('marks exactly the pixels whose centre is inside (axis-aligned box)', () => {
    // Box from x 10.2..20.7, y 5.4..15.6: centres x+0.5 in (10.2, 20.7) → x 10..20; y 5..15.
    const shape: LocalShape = { kind: 'polygon', xy: Float64Array.from([-5.25, -5.1, 5.25, -5.1, 5.25, 5.1, -5.25, 5.1]) };
    const labels = new Uint16Array(W * H);
    const area = paint(shape, 15.45, 10.5, 0, labels, 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const want = x >= 10 && x <= 20 && y >= 5 && y <= 15 ? 3 : 0;
        expect(labels[y * W + x], `${x},${y}`).toBe(want);
      }
    }
    expect(area).toBe(11 * 11);
  });

  it('matches a brute-force inside test for a rotated ellipse, and clips to the frame', () => {
    const shape: LocalShape = { kind: 'ellipse', a: 14, b: 7 };
    const labels = new Uint16Array(W * H);
    const ang = 0.7;
    const cx = 55.3, cy = 9.8; // sticks out of the right and top edges
    const area = paint(shape, cx, cy, ang, labels, 1);
    let n = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        const u = Math.cos(ang) * dx + Math.sin(ang) * dy;
        const v = -Math.sin(ang) * dx + Math.cos(ang) * dy;
        const inside = (u / 14) ** 2 + (v / 7) ** 2 < 1;
        if (inside) n++;
        expect(labels[y * W + x] === 1, `${x},${y}`).toBe(inside);
      }
    }
    expect(area).toBe(n);
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(Math.PI * 14 * 7);
  });

  it('paints colour only on and within half a pixel of the mask', () => {
    const rng = new Rng(3);
    for (const { id } of SYNTH_CATEGORIES) {
      const shape = makeShape(id, 30, rng);
      const labels = new Uint16Array(W * H);
      const rgb = new Float32Array(W * H * 3);
      paint(shape, 30.3, 22.7, 0.4, labels, 1, rgb);
      for (let p = 0; p < W * H; p++) {
        const red = rgb[p * 3];
        if (labels[p] === 1) expect(red).toBeGreaterThanOrEqual(100); // coverage >= 0.5 of 200
        else {
          expect(red).toBeLessThanOrEqual(100);
          if (red > 0) {
            // an anti-aliased pixel touches the mask (8-neighbourhood)
            const x = p % W, y = (p - x) / W;
            let near = false;
            for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
              const xx = x + dx, yy = y + dy;
              if (xx >= 0 && yy >= 0 && xx < W && yy < H && labels[yy * W + xx] === 1) near = true;
            }
            expect(near, `pixel ${x},${y}`).toBe(true);
          }
        }
      }
    }
  });

  it('a nearer shape painted later takes the pixels it covers (visible masks)', () => {
    const labels = new Uint16Array(W * H);
    const far: LocalShape = { kind: 'ellipse', a: 12, b: 12 };
    const near: LocalShape = { kind: 'polygon', xy: Float64Array.from([-8, -8, 8, -8, 8, 8, -8, 8]) };
    const farArea = paint(far, 20, 20, 0, labels, 1);
    const nearArea = paint(near, 30, 20, 0, labels, 2);
    let vis1 = 0, vis2 = 0;
    for (const l of labels) {
      if (l === 1) vis1++;
      if (l === 2) vis2++;
    }
    expect(vis2).toBe(nearArea);
    expect(vis1).toBeLessThan(farArea);
    expect(vis1).toBeGreaterThan(0);
  });

  it('makes shapes of the requested size for every class', () => {
    const rng = new Rng(11);
    for (const { id } of SYNTH_CATEGORIES) {
      const s = makeShape(id, 40, rng);
      const r = boundingRadius(s);
      expect(r).toBeGreaterThan(15);
      expect(r).toBeLessThanOrEqual(40 / Math.SQRT2 + 1e-9); // a square of side 40
    }
  });
});
