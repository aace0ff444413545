import { describe, expect, it } from 'vitest';
import { MaskCrop } from '../../../src/core/contour/mask-crop.js';
import { MaskOutline } from '../../../src/core/contour/mask-outline.js';
import { cvatRle } from '../../../src/core/contour/cvat-rle.js';
import { encodeRle } from '../../../src/core/rle.js';
import { Rng } from '../../../src/synth/prng.js';
import { boundingRadius, makeShape, paintShape, type ObjectLook } from '../../../src/synth/shapes.js';
import { CLASS_BOX, CLASS_DISC, CLASS_STAR, CLASS_TRIANGLE } from '../../../src/synth/categories.js';
import { rasterisePolygon } from '../../helpers.js';

const W = 160;
const H = 120;
const look: ObjectLook = { color: [200, 50, 50], shadeX: 1, shadeY: 0, shadeAmp: 0, stripeAmp: 0, stripeFreq: 1 };

/** A synth shape's mask (the generator's own pixel-centre rule), row-major. */
function synthMask(classId: number, size: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const shape = makeShape(classId, size, rng);
  const labels = new Uint16Array(W * H);
  paintShape(shape, boundingRadius(shape), look, { x: W / 2 + rng.range(-3, 3), y: H / 2 + rng.range(-3, 3), angle: rng.range(0, 6.28) },
    new Float32Array(W * H * 3), labels, 1, W, H);
  return Uint8Array.from(labels, (v) => (v ? 1 : 0));
}

const rasterise = (xy: number[]): Uint8Array => rasterisePolygon(xy, W, H);

function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0, u = 0;
  for (let k = 0; k < a.length; k++) { i += a[k] & b[k]; u += a[k] | b[k]; }
  return u ? i / u : 1;
}

describe('MaskOutline', () => {
  const outline = new MaskOutline(1);
  const crop = new MaskCrop();

  it('traces synth shapes into polygons that rasterise back to the mask (IoU >= 0.9), with few vertices', () => {
    const rows: string[] = [];
    for (const cls of [CLASS_DISC, CLASS_BOX, CLASS_TRIANGLE, CLASS_STAR]) {
      for (const size of [14, 40, 100]) {
        for (let seed = 1; seed <= 3; seed++) {
          const mask = synthMask(cls, size, seed * 31 + cls);
          expect(crop.load(encodeRle(mask, W, H))).toBe(true);
          const poly = outline.polygon(crop);
          const score = iou(mask, rasterise(poly));
          rows.push(`class ${cls} size ${size}: ${poly.length / 2} vertices, IoU ${score.toFixed(3)}`);
          expect(score, rows.at(-1)).toBeGreaterThanOrEqual(0.9);
          expect(poly.length / 2).toBeLessThan(4 * size);
        }
      }
    }
    console.log(rows.join('\n'));
  });

  it('without simplification the traced boundary is the mask exactly (pixel edges)', () => {
    const exact = new MaskOutline(0);
    for (const cls of [CLASS_DISC, CLASS_STAR]) {
      const mask = synthMask(cls, 50, 7);
      crop.load(encodeRle(mask, W, H));
      expect(iou(mask, rasterise(exact.polygon(crop)))).toBe(1);
    }
  });

  it('keeps the largest component and fills its holes', () => {
    const mask = new Uint8Array(W * H);
    const fill = (x0: number, y0: number, x1: number, y1: number, v: number) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * W + x] = v;
    };
    fill(10, 10, 60, 50, 1); // the big one, with a hole
    fill(25, 20, 35, 30, 0);
    fill(100, 80, 110, 90, 1); // a small one elsewhere
    fill(60, 50, 62, 52, 1); // touching the big one diagonally: 8-connected, so part of it
    crop.load(encodeRle(mask, W, H));
    const poly = outline.polygon(crop);
    const want = new Uint8Array(W * H);
    for (let y = 10; y < 50; y++) for (let x = 10; x < 60; x++) want[y * W + x] = 1;
    for (let y = 50; y < 52; y++) for (let x = 60; x < 62; x++) want[y * W + x] = 1;
    expect(iou(rasterise(poly), want)).toBeGreaterThan(0.97);
    expect(Math.max(...poly.filter((_, i) => i % 2 === 0))).toBeLessThanOrEqual(62); // not the far square
  });

  it('gives a one-pixel mask its square and an empty mask nothing', () => {
    const mask = new Uint8Array(W * H);
    mask[5 * W + 7] = 1;
    crop.load(encodeRle(mask, W, H));
    expect(outline.polygon(crop)).toEqual([7, 5, 8, 5, 8, 6, 7, 6]);
    expect(crop.load(encodeRle(new Uint8Array(W * H), W, H))).toBe(false);
    expect(outline.polygon(crop)).toEqual([]);
  });
});

describe('cvatRle', () => {
  it("runs row-major over the tight box, starting with zeros, as cvat-core's rle2Mask decodes it", () => {
    const crop = new MaskCrop();
    for (const cls of [CLASS_DISC, CLASS_STAR]) {
      const mask = synthMask(cls, 40, 3);
      crop.load(encodeRle(mask, W, H));
      const rle = cvatRle(crop);
      expect(rle.reduce((a, b) => a + b, 0)).toBe(crop.width * crop.height);
      // rle2Mask: fill width*height in index order, value flipping after each run, from 0.
      let idx = 0, value = 0;
      const back = new Uint8Array(W * H);
      for (const run of rle) {
        for (let k = 0; k < run; k++, idx++) {
          const y = Math.floor(idx / crop.width), x = idx % crop.width;
          back[(crop.top + y) * W + crop.left + x] = value;
        }
        value ^= 1;
      }
      expect(iou(back, mask)).toBe(1);
    }
    const one = new Uint8Array(W * H);
    one[2 * W + 3] = 1;
    crop.load(encodeRle(one, W, H));
    expect([crop.left, crop.top, crop.width, crop.height]).toEqual([3, 2, 1, 1]);
    expect(cvatRle(crop)).toEqual([0, 1]);
  });
});
