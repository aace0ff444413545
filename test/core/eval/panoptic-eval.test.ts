import { describe, expect, it } from 'vitest';
import { PanopticAccumulator } from '../../../src/core/eval/panoptic-eval.js';

describe('panoptic quality (COCO definition)', () => {
  it('hand-computed: one TP, one FN, one FP, a prediction mostly on void not counted', () => {
    // 1 x 20 pixels. GT: segment 1 (cat 1) px 0-9, segment 2 (cat 2) px 10-13, void px 14-19.
    const gt = new Int32Array(20);
    for (let i = 0; i < 10; i++) gt[i] = 1;
    for (let i = 10; i < 14; i++) gt[i] = 2;
    // Prediction: segment 5 (cat 1) px 0-7 + px 14 (one pixel on void);
    // segment 6 (cat 2) px 8-11 (IoU with GT 2: 2 / (4 + 4 - 2) = 1/3, no match);
    // segment 7 (cat 1) px 15-19: all on void, ignored.
    const pred = new Int32Array(20);
    for (let i = 0; i < 8; i++) pred[i] = 5;
    pred[14] = 5;
    for (let i = 8; i < 12; i++) pred[i] = 6;
    for (let i = 15; i < 20; i++) pred[i] = 7;
    const acc = new PanopticAccumulator();
    acc.add(gt, [{ id: 1, categoryId: 1 }, { id: 2, categoryId: 2 }], pred, [{ id: 5, categoryId: 1 }, { id: 6, categoryId: 2 }, { id: 7, categoryId: 1 }]);
    const s = acc.scores();
    // cat 1: IoU(1,5) = 8 / (10 + 9 - 8 - 1) = 0.8 -> TP; cat 2: GT 2 FN, pred 6 FP.
    expect(s.classes).toEqual([
      { categoryId: 1, pq: 0.8, sq: 0.8, rq: 1, tp: 1, fp: 0, fn: 0 },
      { categoryId: 2, pq: 0, sq: 0, rq: 0, tp: 0, fp: 1, fn: 1 },
    ]);
    expect(s.pq).toBeCloseTo(0.4, 12);
    expect(s.sq).toBeCloseTo(0.4, 12);
    expect(s.rq).toBeCloseTo(0.5, 12);
  });

  it('accumulates over images: PQ = ΣIoU / (TP + FP/2 + FN/2) per class', () => {
    const acc = new PanopticAccumulator();
    // Image A: a perfect match. Image B: the prediction covers 3 of a 4-px GT segment and 1 void pixel.
    acc.add(Int32Array.from([1, 1, 1, 1]), [{ id: 1, categoryId: 3 }], Int32Array.from([9, 9, 9, 9]), [{ id: 9, categoryId: 3 }]);
    acc.add(Int32Array.from([1, 1, 1, 1, 0]), [{ id: 1, categoryId: 3 }], Int32Array.from([2, 2, 2, 0, 2]), [{ id: 2, categoryId: 3 }]);
    const c = acc.scores().classes[0];
    // Image B: union = 4 + 4 - 3 - 1 (the predicted pixel on void is left out) = 4 -> IoU 0.75.
    expect(c.tp).toBe(2);
    expect(c.sq).toBeCloseTo((1 + 0.75) / 2, 12);
    expect(c.pq).toBeCloseTo(1.75 / 2, 12);
    expect(c.rq).toBe(1);
  });
});
