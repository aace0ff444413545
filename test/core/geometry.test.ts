import { describe, expect, it } from 'vitest';
import { letterbox, resizeShortSide, rgbToChwFloat, type TensorLayout } from '../../src/core/geometry.js';

function layout(over: Partial<TensorLayout> & Pick<TensorLayout, 'tensorW' | 'tensorH' | 'resizedW' | 'resizedH'>): TensorLayout {
  return { offsetX: 0, offsetY: 0, channelOrder: 'rgb', scale: 1, mean: [0, 0, 0], padValue: 0, ...over };
}

describe('letterbox', () => {
  it('1280x720 -> 640: scale 0.5, 640x360, padY 140', () => {
    expect(letterbox(1280, 720, 640, 640)).toEqual({ scale: 0.5, padX: 0, padY: 140, resizedW: 640, resizedH: 360, inW: 640, inH: 640 });
  });

  it('odd padding puts the smaller half first (ultralytics round(d/2 - 0.1))', () => {
    // 100x51 -> 320: scale 3.2, 320 x round(163.2)=163, dh = 157 -> top 78, bottom 79.
    const lb = letterbox(100, 51, 320, 320);
    expect(lb.resizedH).toBe(163);
    expect(lb.padY).toBe(78);
    expect(lb.padX).toBe(0);
  });

  it('rounds halves to even like Python', () => {
    // 10x5 -> 5x5: scale 0.5, height 2.5 rounds to 2 (Python), not 3 (Math.round).
    expect(letterbox(10, 5, 5, 5).resizedH).toBe(2);
    expect(letterbox(10, 7, 5, 5).resizedH).toBe(4); // 3.5 -> 4
  });

  it('portrait source pads horizontally', () => {
    const lb = letterbox(720, 1280, 320, 320);
    expect(lb.scale).toBe(0.25);
    expect([lb.resizedW, lb.resizedH, lb.padX, lb.padY]).toEqual([180, 320, 70, 0]);
  });
});

describe('resizeShortSide (Mask R-CNN rule)', () => {
  it('scales the short side to 800 when the long side stays <= 1333', () => {
    const r = resizeShortSide(640, 480);
    expect(r.scale).toBeCloseTo(800 / 480, 12);
    expect([r.resizedW, r.resizedH, r.paddedW, r.paddedH]).toEqual([1066, 800, 1088, 800]);
  });

  it('caps the long side: 640x360 would be 1422 wide, so scale = 1333/640', () => {
    const r = resizeShortSide(640, 360, 800, 1333, 32);
    expect(r.scale).toBeCloseTo(1333 / 640, 12);
    expect([r.resizedW, r.resizedH, r.paddedW, r.paddedH]).toEqual([1333, 749, 1344, 768]);
    expect(r.scaleX).toBeCloseTo(1333 / 640, 12);
    expect(r.scaleY).toBeCloseTo(749 / 360, 12);
  });

  it('1280x720 caps at 1333 too and pads to 32', () => {
    const r = resizeShortSide(1280, 720);
    expect([r.resizedW, r.resizedH, r.paddedW, r.paddedH]).toEqual([1333, 749, 1344, 768]);
  });

  it('pads already-aligned sizes to themselves', () => {
    const r = resizeShortSide(800, 800);
    expect([r.resizedW, r.resizedH, r.paddedW, r.paddedH]).toEqual([800, 800, 800, 800]);
  });
});

describe('rgbToChwFloat', () => {
  // 2x2 image: red, green / blue, (10,20,30)
  const img = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);

  it('2x2 -> 2x2 is a planar identity', () => {
    const out = new Float32Array(12);
    rgbToChwFloat(img, 2, 2, layout({ tensorW: 2, tensorH: 2, resizedW: 2, resizedH: 2 }), out);
    expect(Array.from(out)).toEqual([255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30]);
  });

  it('BGR order swaps the planes; scale and mean apply in output order', () => {
    const out = new Float32Array(12);
    rgbToChwFloat(img, 2, 2, layout({ tensorW: 2, tensorH: 2, resizedW: 2, resizedH: 2, channelOrder: 'bgr', mean: [1, 2, 3], scale: 2 }), out);
    // plane 0 = blue*2 - 1, plane 1 = green*2 - 2, plane 2 = red*2 - 3
    expect(Array.from(out)).toEqual([-1, -1, 509, 59, -2, 508, -2, 38, 507, -3, -3, 17]);
  });

  it('places the image at the offset and pads the rest with padValue', () => {
    const out = new Float32Array(3 * 4 * 3).fill(NaN);
    const pad = 114 / 255;
    rgbToChwFloat(img, 2, 2, layout({ tensorW: 4, tensorH: 3, resizedW: 2, resizedH: 2, offsetX: 1, offsetY: 1, scale: 1 / 255, padValue: pad }), out);
    const plane0 = Array.from(out.subarray(0, 12));
    const p = Math.fround(pad);
    expect(plane0).toEqual([p, p, p, p, p, 1, 0, p, p, 0, Math.fround(10 / 255), p]);
    expect(out.every((v) => !Number.isNaN(v))).toBe(true);
  });

  // Reference: torch.nn.functional.interpolate(mode='bilinear', align_corners=False) on this 5x3 image.
  const SRC = Uint8Array.from([130, 183, 14, 238, 127, 26, 80, 57, 190, 240, 126, 194, 52, 127, 6, 110, 208, 143, 93, 199, 81, 36, 71, 227, 64, 67, 0, 2, 107, 110, 84, 85, 148, 160, 101, 104, 93, 100, 196, 152, 11, 184, 212, 84, 74]);
  const REF_3x2 = [150.5833, 69.0, 91.6667, 108.0833, 78.75, 149.6667, 174.5, 60.5, 118.4167, 119.0, 92.75, 68.1667, 44.0833, 199.25, 69.8333, 130.5833, 203.75, 101.3333];
  const REF_8x7_PLANE0 = [130.0, 177.25, 228.125, 129.375, 130.0, 230.0, 134.25, 52.0, 127.1429, 166.5804, 208.3125, 118.5804, 117.8214, 206.0357, 119.2321, 44.8571, 118.5714, 134.5714, 148.875, 86.1964, 81.2857, 134.1429, 74.1786, 23.4286, 110.0, 102.5625, 89.4375, 53.8125, 44.75, 62.25, 29.125, 2.0, 98.8571, 108.8571, 117.8839, 79.5804, 73.3304, 99.1339, 96.25, 92.0, 87.7143, 115.1518, 146.3304, 105.3482, 101.9107, 136.0179, 163.375, 182.0, 84.0, 117.25, 155.8125, 113.9375, 111.4375, 148.3125, 185.75, 212.0];
  const REF_8x7_PLANE2_TAIL = [148.0, 128.75, 109.75, 167.25, 192.25, 184.75, 122.125, 74.0];

  it('downscales like F.interpolate bilinear (5x3 -> 3x2)', () => {
    const out = new Float32Array(18);
    rgbToChwFloat(SRC, 5, 3, layout({ tensorW: 3, tensorH: 2, resizedW: 3, resizedH: 2 }), out);
    Array.from(out).forEach((v, i) => expect(v).toBeCloseTo(REF_3x2[i], 3));
  });

  it('upscales like F.interpolate bilinear (5x3 -> 8x7), edge-clamped', () => {
    const out = new Float32Array(3 * 56);
    rgbToChwFloat(SRC, 5, 3, layout({ tensorW: 8, tensorH: 7, resizedW: 8, resizedH: 7 }), out);
    Array.from(out.subarray(0, 56)).forEach((v, i) => expect(v).toBeCloseTo(REF_8x7_PLANE0[i], 3));
    Array.from(out.subarray(3 * 56 - 8)).forEach((v, i) => expect(v).toBeCloseTo(REF_8x7_PLANE2_TAIL[i], 3));
  });

  it('rejects layouts that do not fit', () => {
    const out = new Float32Array(12);
    expect(() => rgbToChwFloat(img, 2, 2, layout({ tensorW: 2, tensorH: 2, resizedW: 2, resizedH: 2, offsetX: 1 }), out)).toThrow(RangeError);
    expect(() => rgbToChwFloat(img, 2, 2, layout({ tensorW: 4, tensorH: 4, resizedW: 2, resizedH: 2 }), out)).toThrow(RangeError);
  });
});
