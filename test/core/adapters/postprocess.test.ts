/**
 * Our postprocessing on hand-built output tensors (exact expectations): score threshold, NMS
 * class-aware vs class-agnostic, max instances, box scaling/clipping, mask paste and RLE.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  DEFAULT_POSTPROCESS,
  TorchvisionMaskRcnnAdapter,
  YoloSegAdapter,
  ZooMaskRcnnAdapter,
  type PostprocessOptions,
  type PreparedInput,
} from '../../../src/core/adapters/index.js';
import { decodeRle, rleArea } from '../../../src/core/rle.js';
import type { BoxXYXY, Instance } from '../../../src/core/types.js';
import { syntheticFrame } from './helpers.js';

const opts = (o: Partial<PostprocessOptions> = {}): PostprocessOptions => ({ ...DEFAULT_POSTPROCESS, ...o });

/** Fraction of the mask's pixels inside the box (covered pixels, floor/ceil). */
function insideFraction(inst: Instance): number {
  const [h, w] = inst.mask.size;
  const m = decodeRle(inst.mask);
  expect(m.length).toBe(w * h);
  const [x1, y1, x2, y2] = inst.box;
  let inside = 0;
  let total = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!m[y * w + x]) continue;
      total++;
      if (x >= Math.floor(x1) && x < Math.ceil(x2) && y >= Math.floor(y1) && y < Math.ceil(y2)) inside++;
    }
  }
  return total === 0 ? 0 : inside / total;
}

function maskRcnnOutputs(
  dets: { box: BoxXYXY; label: number; score: number }[],
  mask: { h: number; w: number; fill: (i: number, x: number, y: number) => number },
  names = ['boxes', 'labels', 'scores', 'masks'],
): Record<string, ort.Tensor> {
  const n = dets.length;
  const boxes = new Float32Array(n * 4);
  const labels = new BigInt64Array(n);
  const scores = new Float32Array(n);
  const masks = new Float32Array(n * mask.h * mask.w);
  dets.forEach((d, i) => {
    boxes.set(d.box, i * 4);
    labels[i] = BigInt(d.label);
    scores[i] = d.score;
    for (let y = 0; y < mask.h; y++) for (let x = 0; x < mask.w; x++) masks[i * mask.h * mask.w + y * mask.w + x] = mask.fill(i, x, y);
  });
  return {
    [names[0]]: new ort.Tensor('float32', boxes, [n, 4]),
    [names[1]]: new ort.Tensor('int64', labels, [n]),
    [names[2]]: new ort.Tensor('float32', scores, [n]),
    [names[3]]: new ort.Tensor('float32', masks, [n, 1, mask.h, mask.w]),
  };
}

// Frame 200x100. A and B overlap (IoU ≈ 0.8) with different classes; C scores low; D sticks out
// of the frame on the left and bottom.
const FRAME = { width: 200, height: 100 };
const DETS: { box: BoxXYXY; label: number; score: number }[] = [
  { box: [10, 10, 60, 60], label: 1, score: 0.9 }, // A person
  { box: [12, 12, 62, 60], label: 3, score: 0.8 }, // B car, overlaps A
  { box: [100, 20, 150, 90], label: 1, score: 0.3 }, // C low score
  { box: [-20, 50, 40, 130], label: 44, score: 0.7 }, // D bottle, clipped to [0,50,40,100]
];
const ALL_ONES = { h: 28, w: 28, fill: () => 0.99 };

describe('Mask R-CNN postprocess (torchvision-28 path, shared with zoo)', () => {
  const tv = new TorchvisionMaskRcnnAdapter('torchvision-28');
  const dummyInput: PreparedInput = { feeds: {}, context: null };
  const run = (o: Partial<PostprocessOptions>) => tv.postprocess(maskRcnnOutputs(DETS, ALL_ONES), dummyInput, FRAME, opts(o));

  it('class-aware NMS keeps overlapping boxes of different classes; threshold drops C; D is clipped', () => {
    const out = run({});
    expect(out.map((i) => i.label)).toEqual(['person', 'car', 'bottle']);
    expect(out.map((i) => i.classId)).toEqual([1, 3, 44]);
    expect(out[0].score).toBeCloseTo(0.9, 6);
    expect(out[2].box).toEqual([0, 50, 40, 100]);
    for (const inst of out) {
      expect(inst.mask.size).toEqual([100, 200]);
      expect(insideFraction(inst)).toBe(1);
    }
    // An all-ones 28x28 map pasted into A fills A (50x50 px), give or take the edge pixels.
    expect(rleArea(out[0].mask)).toBeGreaterThanOrEqual(48 * 48);
    expect(rleArea(out[0].mask)).toBeLessThanOrEqual(51 * 51);
    // D's paste uses the unclipped box: the visible part [0,40)x[50,100) is filled.
    expect(rleArea(out[2].mask)).toBeGreaterThanOrEqual(39 * 49);
  });

  it('class-agnostic NMS suppresses B under A', () => {
    expect(run({ classAgnostic: true }).map((i) => i.label)).toEqual(['person', 'bottle']);
  });

  it('IoU threshold above the A/B overlap keeps both even when agnostic', () => {
    expect(run({ classAgnostic: true, iouThreshold: 0.95 })).toHaveLength(3);
  });

  it('score threshold respected', () => {
    expect(run({ scoreThreshold: 0.2 }).map((i) => i.score)).toHaveLength(4);
    const hi = run({ scoreThreshold: 0.85 });
    expect(hi).toHaveLength(1);
    for (const inst of run({ scoreThreshold: 0.75 })) expect(inst.score).toBeGreaterThanOrEqual(0.75);
  });

  it('maxInstances respected, highest scores first', () => {
    expect(run({ maxInstances: 2 }).map((i) => i.score)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.8, 6)]);
    expect(run({ maxInstances: 0 })).toEqual([]);
  });

  it('N = 0 gives []', () => {
    expect(tv.postprocess(maskRcnnOutputs([], ALL_ONES), dummyInput, FRAME, opts())).toEqual([]);
  });

  it('mask threshold: a 28x28 map that is 1 on its left half fills the left half of the box', () => {
    const half = { h: 28, w: 28, fill: (_i: number, x: number) => (x < 14 ? 1 : 0) };
    const out = tv.postprocess(maskRcnnOutputs([DETS[0]], half), dummyInput, FRAME, opts());
    const area = rleArea(out[0].mask);
    expect(area).toBeGreaterThan(0.4 * 2500);
    expect(area).toBeLessThan(0.6 * 2500);
    const m = decodeRle(out[0].mask);
    expect(m[30 * 200 + 15]).toBe(1); // left part of the box
    expect(m[30 * 200 + 55]).toBe(0); // right part of the box
  });

  it('full-size masks (torchvision): thresholded only inside the box', () => {
    const full = new TorchvisionMaskRcnnAdapter('torchvision');
    // Probability 1 everywhere: the result must still be just the box.
    const out = full.postprocess(
      maskRcnnOutputs([DETS[0], DETS[3]], { h: 100, w: 200, fill: () => 1 }),
      dummyInput,
      FRAME,
      opts(),
    );
    expect(out).toHaveLength(2);
    expect(rleArea(out[0].mask)).toBe(50 * 50);
    expect(rleArea(out[1].mask)).toBe(40 * 50);
    for (const inst of out) expect(insideFraction(inst)).toBe(1);
  });
});

describe('zoo postprocess: outputs found by shape, boxes back to frame px', () => {
  it('640x480 frame, default 800/1333/32: boxes in resized px / 1.6667 → frame px', () => {
    const zoo = new ZooMaskRcnnAdapter();
    const frame = syntheticFrame(640, 480, []);
    const prep = zoo.preprocess(frame);
    // Hand-computed: scale = min(800/480, 1333/640) = 1.6667; resized floor(1066.67) x 800 = 1066x800,
    // padded to 1088x800; exact per-axis factors 1066/640 and 800/480.
    const ctx = prep.context as { scale: number; scaleX: number; scaleY: number };
    expect(ctx.scale).toBeCloseTo(800 / 480, 6);
    expect(ctx.scaleX).toBeCloseTo(1066 / 640, 9);
    expect(prep.feeds['image'].dims).toEqual([3, 800, 1088]);
    // Numeric names in a shuffled order, like the real zoo model's.
    const outs = maskRcnnOutputs(
      [{ box: [160, 160, 480, 640], label: 1, score: 0.95 }],
      ALL_ONES,
      ['6568', '6570', '6572', '6887'],
    );
    const shuffled = { '6887': outs['6887'], '6572': outs['6572'], '6568': outs['6568'], '6570': outs['6570'] };
    const out = zoo.postprocess(shuffled, prep, frame, opts());
    expect(out).toHaveLength(1);
    const b = out[0].box;
    expect(b[0]).toBeCloseTo(160 / (1066 / 640), 3); // 96.06
    expect(b[1]).toBeCloseTo(96, 3);
    expect(b[2]).toBeCloseTo(480 / (1066 / 640), 3); // 288.18
    expect(b[3]).toBeCloseTo(384, 3);
    expect(out[0].label).toBe('person'); // zoo label 1 = person (contiguous COCO-80 + background)
    expect(out[0].mask.size).toEqual([480, 640]);
    expect(rleArea(out[0].mask)).toBeGreaterThan(0.95 * 192 * 288);
    expect(insideFraction(out[0])).toBe(1);
  });
});

describe('YOLO-seg postprocess on a hand-built output0/output1', () => {
  // Input 64x64, frame 128x64 → letterbox scale 0.5, resized 64x32, padY 16.
  const nc = 2;
  const nm = 32;
  const A = 4;
  const C = 4 + nc + nm;
  const yolo = new YoloSegAdapter({ inputWidth: 64, inputHeight: 64, numClasses: nc, labels: ['cat', 'dog'] });
  const frame = syntheticFrame(128, 64, []);

  function outputs(anchors: { cx: number; cy: number; w: number; h: number; cls: number; score: number; coef0: number }[]) {
    const p = new Float32Array(C * A);
    anchors.forEach((a, i) => {
      p[0 * A + i] = a.cx;
      p[1 * A + i] = a.cy;
      p[2 * A + i] = a.w;
      p[3 * A + i] = a.h;
      p[(4 + a.cls) * A + i] = a.score;
      p[(4 + nc) * A + i] = a.coef0; // first mask coefficient
    });
    // Prototype 0 is 1 everywhere: mask = sigmoid(coef0) inside the box.
    const mh = 16;
    const mw = 16;
    const protos = new Float32Array(nm * mh * mw);
    protos.fill(1, 0, mh * mw);
    return {
      output0: new ort.Tensor('float32', p, [1, C, A]),
      output1: new ort.Tensor('float32', protos, [1, nm, mh, mw]),
    };
  }
  const anchors = [
    { cx: 32, cy: 32, w: 32, h: 16, cls: 0, score: 0.9, coef0: 6 }, // → frame [32,16,96,48]
    { cx: 33, cy: 32, w: 32, h: 16, cls: 1, score: 0.8, coef0: 6 }, // overlaps, other class
    { cx: 10, cy: 30, w: 8, h: 8, cls: 0, score: 0.1, coef0: 6 }, // below threshold
    { cx: 56, cy: 40, w: 8, h: 8, cls: 1, score: 0.6, coef0: -6 }, // mask below 0.5 everywhere
  ];

  it('letterbox geometry: boxes un-letterboxed to frame px; class-aware keeps both overlapping boxes', () => {
    const prep = yolo.preprocess(frame);
    expect(prep.feeds['images'].dims).toEqual([1, 3, 64, 64]);
    expect(prep.context).toMatchObject({ scale: 0.5, padX: 0, padY: 16, inW: 64, inH: 64 });
    const out = yolo.postprocess(outputs(anchors), prep, frame, opts());
    expect(out.map((i) => i.label)).toEqual(['cat', 'dog', 'dog']);
    const b = out[0].box;
    expect(b).toEqual([32, 16, 96, 48]);
    expect(out[0].mask.size).toEqual([64, 128]);
    const area = rleArea(out[0].mask);
    expect(area).toBeGreaterThan(0.9 * 64 * 32);
    expect(area).toBeLessThanOrEqual(64 * 32);
    expect(insideFraction(out[0])).toBe(1);
    expect(rleArea(out[2].mask)).toBe(0); // sigmoid(-6) < 0.5
  });

  it('class-agnostic, maxInstances, score threshold', () => {
    const prep = yolo.preprocess(frame);
    expect(yolo.postprocess(outputs(anchors), prep, frame, opts({ classAgnostic: true })).map((i) => i.score)).toEqual([
      expect.closeTo(0.9, 6),
      expect.closeTo(0.6, 6),
    ]);
    expect(yolo.postprocess(outputs(anchors), prep, frame, opts({ maxInstances: 1 }))).toHaveLength(1);
    expect(yolo.postprocess(outputs(anchors), prep, frame, opts({ scoreThreshold: 0.05 }))).toHaveLength(4);
    expect(yolo.postprocess(outputs(anchors), prep, frame, opts({ scoreThreshold: 0.95 }))).toEqual([]);
  });
});
