/** Input tensors of each adapter, against hand-computed sizes, scales, paddings and pixel values. */
import { describe, expect, it } from 'vitest';
import {
  createAdapter,
  TorchvisionMaskRcnnAdapter,
  YoloSegAdapter,
  ZooMaskRcnnAdapter,
  type ValueInfo,
} from '../../../src/core/adapters/index.js';
import { syntheticFrame } from './helpers.js';

const R = 200;
const G = 100;
const B = 50;
/** Frames reach the adapters as I420: a colour comes back within this many levels. */
const LEVELS = 2;
const t = (name: string, type: string, shape: (number | string)[]): ValueInfo => ({ name, isTensor: true, type, shape });

describe('torchvision preprocess', () => {
  it('[3,H,W] RGB 0..1 at the frame size, no resize', () => {
    const frame = syntheticFrame(64, 48, [{ x: 10, y: 5, w: 4, h: 4, rgb: [R, G, B] }], [0, 0, 0]);
    const prep = new TorchvisionMaskRcnnAdapter('torchvision-28').preprocess(frame);
    const x = prep.feeds['image'];
    expect(x.dims).toEqual([3, 48, 64]);
    const d = x.data as Float32Array;
    const plane = 64 * 48;
    const at = 6 * 64 + 11;
    expect(Math.abs(d[at] - R / 255)).toBeLessThanOrEqual(LEVELS / 255);
    expect(Math.abs(d[plane + at] - G / 255)).toBeLessThanOrEqual(LEVELS / 255);
    expect(Math.abs(d[2 * plane + at] - B / 255)).toBeLessThanOrEqual(LEVELS / 255);
    expect(d[0]).toBe(0);
  });
});

describe('zoo preprocess', () => {
  it('1920x1080 with the zoo defaults: long side capped → 1333x749, padded to 1344x768; BGR minus mean; zero pad', () => {
    // scale = min(800/1080, 1333/1920) = 0.694271; 1920*s = 1333, floor(1080*s) = floor(749.81) = 749.
    const frame = syntheticFrame(1920, 1080, [], [R, G, B]);
    const zoo = new ZooMaskRcnnAdapter();
    const prep = zoo.preprocess(frame);
    const x = prep.feeds['image'];
    expect(x.dims).toEqual([3, 768, 1344]);
    expect(prep.context).toMatchObject({ resizedW: 1333, resizedH: 749, paddedW: 1344, paddedH: 768 });
    expect((prep.context as { scale: number }).scale).toBeCloseTo(1333 / 1920, 9);
    const d = x.data as Float32Array;
    const plane = 768 * 1344;
    const at = 100 * 1344 + 100;
    expect(Math.abs(d[at] - (B - 102.9801))).toBeLessThanOrEqual(LEVELS);
    expect(Math.abs(d[plane + at] - (G - 115.9465))).toBeLessThanOrEqual(LEVELS);
    expect(Math.abs(d[2 * plane + at] - (R - 122.7717))).toBeLessThanOrEqual(LEVELS);
    // Padding right of column 1333 and below row 749 is zero in every plane (zero-pad after the mean).
    for (const c of [0, 1, 2]) {
      expect(d[c * plane + 10 * 1344 + 1340]).toBe(0);
      expect(d[c * plane + 760 * 1344 + 10]).toBe(0);
      expect(d[c * plane + 748 * 1344 + 1332]).not.toBe(0);
    }
  });

  it('manifest input spec (minSize 320, maxSize 576, padMultiple 32) replaces 800/1333', () => {
    const sig = {
      inputs: [t('image', 'float32', [3, 'height', 'width'])],
      outputs: [t('6568', 'float32', ['N', 4]), t('6570', 'int64', ['N']), t('6572', 'float32', ['N']), t('6887', 'float32', ['N', 1, 28, 28])],
    };
    const zoo = createAdapter(sig.inputs, sig.outputs, { input: { resize: { minSize: 320, maxSize: 576 }, padMultiple: 32 } });
    expect(zoo.format).toBe('zoo');
    // 640x360: scale = min(320/360, 576/640) = 0.8889 → 568x320 → padded 576x320.
    const prep = zoo.preprocess(syntheticFrame(640, 360, []));
    expect(prep.feeds['image'].dims).toEqual([3, 320, 576]);
    expect(prep.context).toMatchObject({ resizedW: 568, resizedH: 320 });
    expect((prep.context as { scaleX: number }).scaleX).toBeCloseTo(568 / 640, 9);
  });
});

describe('YOLO-seg preprocess', () => {
  it('768x432 letterboxed into 320x320: scale 5/12, 320x180 at padY 70, pad 114/255, RGB 0..1', () => {
    const frame = syntheticFrame(768, 432, [], [R, G, B]);
    const yolo = new YoloSegAdapter({ inputWidth: 320, inputHeight: 320 });
    const prep = yolo.preprocess(frame);
    const x = prep.feeds['images'];
    expect(x.dims).toEqual([1, 3, 320, 320]);
    expect(prep.context).toEqual({ scale: 320 / 768, padX: 0, padY: 70, inW: 320, inH: 320 });
    const d = x.data as Float32Array;
    const plane = 320 * 320;
    for (const c of [0, 1, 2]) {
      expect(d[c * plane + 69 * 320 + 5]).toBeCloseTo(114 / 255, 6); // last pad row above
      expect(d[c * plane + 250 * 320 + 5]).toBeCloseTo(114 / 255, 6); // first pad row below (70 + 180)
    }
    expect(Math.abs(d[70 * 320 + 5] - R / 255)).toBeLessThanOrEqual(LEVELS / 255);
    expect(Math.abs(d[plane + 249 * 320 + 5] - G / 255)).toBeLessThanOrEqual(LEVELS / 255);
    expect(Math.abs(d[2 * plane + 160 * 320 + 319] - B / 255)).toBeLessThanOrEqual(LEVELS / 255);
  });

  it('input size from the graph, else manifest inputSize, else 640; nc from the output shape', () => {
    const outs80 = [t('output0', 'float32', [1, 116, 'anchors']), t('output1', 'float32', [1, 32, 'mh', 'mw'])];
    const fixed = createAdapter([t('images', 'float32', [1, 3, 320, 320])], outs80);
    expect(fixed.preprocess(syntheticFrame(32, 32, [])).feeds['images'].dims).toEqual([1, 3, 320, 320]);
    expect(fixed.labels).toHaveLength(80);
    expect(fixed.labels[0]).toBe('person');
    const dyn = [t('images', 'float32', [1, 3, 'height', 'width'])];
    expect(createAdapter(dyn, outs80, { inputSize: 480 }).preprocess(syntheticFrame(32, 32, [])).feeds['images'].dims).toEqual([1, 3, 480, 480]);
    expect(createAdapter(dyn, outs80).preprocess(syntheticFrame(32, 32, [])).feeds['images'].dims).toEqual([1, 3, 640, 640]);
    const outs3 = [t('output0', 'float32', [1, 4 + 3 + 32, 8400]), t('output1', 'float32', [1, 32, 160, 160])];
    expect(createAdapter(dyn, outs3).labels).toEqual(['class 0', 'class 1', 'class 2']);
    expect(createAdapter(dyn, outs3, { labels: ['a', 'b', 'c'] }).labels).toEqual(['a', 'b', 'c']);
  });
});
