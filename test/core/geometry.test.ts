import { describe, expect, it } from 'vitest';
import { letterbox, resizeShortSide, yuv420ToChwFloat, type TensorLayout } from '../../src/core/geometry.js';
import { rgbToYuv420, yuv420Layout } from '../../src/core/yuv420.js';

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

describe('yuv420ToChwFloat', () => {
  const KY = 255 / 219;
  /** A gray I420 frame with luma `y` (w x h) and neutral chroma. */
  function gray(y: number[], w: number, h: number): Uint8Array {
    const L = yuv420Layout(w, h);
    const f = new Uint8Array(L.size).fill(128);
    f.set(y, 0);
    return f;
  }
  const toRgb = (y: number) => Math.min(255, Math.max(0, (y - 16) * KY));
  const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol);
  };

  it('same size: every pixel converted with its block\'s chroma (BT.601 limited range), planar', () => {
    // 4x2: a red 2x2 block and a blue one.
    const rgb = new Uint8Array(4 * 2 * 3);
    for (const [x, c] of [[0, [255, 0, 0]], [1, [255, 0, 0]], [2, [0, 0, 255]], [3, [0, 0, 255]]] as const) {
      for (let y = 0; y < 2; y++) rgb.set(c, (y * 4 + x) * 3);
    }
    const out = new Float32Array(24);
    yuv420ToChwFloat(rgbToYuv420(rgb, 4, 2), 4, 2, layout({ tensorW: 4, tensorH: 2, resizedW: 4, resizedH: 2 }), out);
    near(out.subarray(0, 8), [255, 255, 0, 0, 255, 255, 0, 0], 2); // R
    near(out.subarray(8, 16), [0, 0, 0, 0, 0, 0, 0, 0], 2); // G
    near(out.subarray(16, 24), [0, 0, 255, 255, 0, 0, 255, 255], 2); // B
  });

  it('BGR order swaps the planes; scale and mean apply in output order', () => {
    const rgb = new Uint8Array(2 * 2 * 3);
    for (let i = 0; i < 4; i++) rgb.set([255, 0, 0], i * 3);
    const out = new Float32Array(12);
    yuv420ToChwFloat(rgbToYuv420(rgb, 2, 2), 2, 2, layout({ tensorW: 2, tensorH: 2, resizedW: 2, resizedH: 2, channelOrder: 'bgr', mean: [1, 2, 3], scale: 2 }), out);
    // plane 0 = blue*2 - 1, plane 1 = green*2 - 2, plane 2 = red*2 - 3
    near(out, [-1, -1, -1, -1, -2, -2, -2, -2, 507, 507, 507, 507], 4);
  });

  it('places the image at the offset and pads the rest with padValue', () => {
    const out = new Float32Array(3 * 4 * 3).fill(NaN);
    const pad = 114 / 255;
    const y = [235, 16, 16, 126];
    yuv420ToChwFloat(gray(y, 2, 2), 2, 2, layout({ tensorW: 4, tensorH: 3, resizedW: 2, resizedH: 2, offsetX: 1, offsetY: 1, scale: 1 / 255, padValue: pad }), out);
    const p = Math.fround(pad);
    const v = y.map((l) => Math.fround(toRgb(l) / 255));
    expect(Array.from(out.subarray(0, 12))).toEqual([p, p, p, p, p, v[0], v[1], p, p, v[2], v[3], p]);
    expect(out.every((x) => !Number.isNaN(x))).toBe(true);
  });

  // Reference: torch.nn.functional.interpolate(mode='bilinear', align_corners=False) on this 5x3
  // image's first channel, used here as the luma plane of a gray frame.
  const SRC = Uint8Array.from([130, 183, 14, 238, 127, 26, 80, 57, 190, 240, 126, 194, 52, 127, 6, 110, 208, 143, 93, 199, 81, 36, 71, 227, 64, 67, 0, 2, 107, 110, 84, 85, 148, 160, 101, 104, 93, 100, 196, 152, 11, 184, 212, 84, 74]);
  const LUMA = Array.from({ length: 15 }, (_, i) => SRC[3 * i]);
  const REF_3x2_PLANE0 = [150.5833, 69.0, 91.6667, 108.0833, 78.75, 149.6667];
  const REF_8x7_PLANE0 = [130.0, 177.25, 228.125, 129.375, 130.0, 230.0, 134.25, 52.0, 127.1429, 166.5804, 208.3125, 118.5804, 117.8214, 206.0357, 119.2321, 44.8571, 118.5714, 134.5714, 148.875, 86.1964, 81.2857, 134.1429, 74.1786, 23.4286, 110.0, 102.5625, 89.4375, 53.8125, 44.75, 62.25, 29.125, 2.0, 98.8571, 108.8571, 117.8839, 79.5804, 73.3304, 99.1339, 96.25, 92.0, 87.7143, 115.1518, 146.3304, 105.3482, 101.9107, 136.0179, 163.375, 182.0, 84.0, 117.25, 155.8125, 113.9375, 111.4375, 148.3125, 185.75, 212.0];

  it('downscales luma like F.interpolate bilinear (5x3 -> 3x2)', () => {
    const out = new Float32Array(18);
    yuv420ToChwFloat(gray(LUMA, 5, 3), 5, 3, layout({ tensorW: 3, tensorH: 2, resizedW: 3, resizedH: 2 }), out);
    const want = REF_3x2_PLANE0.map(toRgb);
    for (let c = 0; c < 3; c++) Array.from(out.subarray(6 * c, 6 * c + 6)).forEach((v, i) => expect(v).toBeCloseTo(want[i], 2));
  });

  it('upscales luma like F.interpolate bilinear (5x3 -> 8x7), edge-clamped', () => {
    const out = new Float32Array(3 * 56);
    yuv420ToChwFloat(gray(LUMA, 5, 3), 5, 3, layout({ tensorW: 8, tensorH: 7, resizedW: 8, resizedH: 7 }), out);
    const want = REF_8x7_PLANE0.map(toRgb);
    Array.from(out.subarray(0, 56)).forEach((v, i) => expect(v).toBeCloseTo(want[i], 2));
    Array.from(out.subarray(2 * 56)).forEach((v, i) => expect(v).toBeCloseTo(want[i], 2));
  });

  /** 2w x 2 frame: red on the left half, blue on the right. */
  function redBlue(w: number): Uint8Array {
    const rgb = new Uint8Array(2 * w * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2 * w; x++) rgb.set(x < w ? [255, 0, 0] : [0, 0, 255], (y * 2 * w + x) * 3);
    return rgbToYuv420(rgb, 2 * w, 2);
  }

  it('not enlarging: the chroma sample of the block under each output centre', () => {
    // 8x2 -> 4x1: output centres at luma x 1, 3, 5, 7 sit on chroma samples 0, 1, 2, 3.
    const out = new Float32Array(12);
    yuv420ToChwFloat(redBlue(4), 8, 2, layout({ tensorW: 4, tensorH: 1, resizedW: 4, resizedH: 1 }), out);
    near(out.subarray(0, 4), [255, 255, 0, 0], 3);
    near(out.subarray(8, 12), [0, 0, 255, 255], 3);
  });

  it('enlarging: chroma interpolated on its own plane, samples centred on their blocks', () => {
    // 8x2 -> 16x2: chroma samples 1 (red) and 2 (blue) are centred at luma x 3 and 5, so output
    // columns 7 and 8 (luma 3.75 and 4.25) mix them 3:1 and 1:3; columns 0..5 stay red.
    const out = new Float32Array(3 * 32);
    yuv420ToChwFloat(redBlue(4), 8, 2, layout({ tensorW: 16, tensorH: 2, resizedW: 16, resizedH: 2 }), out);
    const red = out.subarray(0, 16);
    for (let x = 0; x < 6; x++) expect(red[x]).toBeGreaterThan(250);
    expect(red[7] > red[8] && red[7] < 250 && red[8] > 5).toBe(true);
    for (let x = 10; x < 16; x++) expect(red[x]).toBeLessThan(5);
  });

  it('rejects layouts that do not fit', () => {
    const out = new Float32Array(12);
    const img = gray([1, 2, 3, 4], 2, 2);
    expect(() => yuv420ToChwFloat(img, 2, 2, layout({ tensorW: 2, tensorH: 2, resizedW: 2, resizedH: 2, offsetX: 1 }), out)).toThrow(RangeError);
    expect(() => yuv420ToChwFloat(img, 2, 2, layout({ tensorW: 4, tensorH: 4, resizedW: 2, resizedH: 2 }), out)).toThrow(RangeError);
    expect(() => yuv420ToChwFloat(img.subarray(0, 5), 2, 2, layout({ tensorW: 2, tensorH: 2, resizedW: 2, resizedH: 2 }), out)).toThrow(RangeError);
  });
});
