import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, IGNORE_LABEL } from '../../../src/core/eval/semantic-eval.js';

describe('semantic metrics from one confusion matrix', () => {
  it('hand-computed 3-class case with ignored pixels', () => {
    // 10 pixels; the two ignore-labelled ones must not count whatever is predicted there.
    const gt = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 2, IGNORE_LABEL, IGNORE_LABEL]);
    const pred = Uint8Array.from([0, 0, 0, 1, 1, 1, 2, 2, 1, 2]);
    const cm = new ConfusionMatrix(3);
    cm.add(gt, pred);
    const s = cm.scores(['bg', 'a', 'b']);
    // class 0: TP 3, FN 1, FP 0 -> IoU 3/4, Dice 6/7
    // class 1: TP 2, FN 1, FP 1 -> IoU 2/4, Dice 4/6
    // class 2: TP 1, FN 0, FP 1 -> IoU 1/2, Dice 2/3
    expect(s.classes.map((c) => c.iou)).toEqual([0.75, 0.5, 0.5]);
    expect(s.classes[0].dice).toBeCloseTo(6 / 7, 12);
    expect(s.classes[1].dice).toBeCloseTo(2 / 3, 12);
    expect(s.classes[2].dice).toBeCloseTo(2 / 3, 12);
    expect(s.meanIou).toBeCloseTo((0.75 + 0.5 + 0.5) / 3, 12);
    expect(s.meanDice).toBeCloseTo((6 / 7 + 2 / 3 + 2 / 3) / 3, 12);
    expect(s.pixelAccuracy).toBeCloseTo(6 / 8, 12);
    // fwIoU: GT frequencies 4/8, 3/8, 1/8
    expect(s.frequencyWeightedIou).toBeCloseTo(0.5 * 0.75 + (3 / 8) * 0.5 + (1 / 8) * 0.5, 12);
    expect(s.pixels).toBe(8);
    expect(s.ignoredPixels).toBe(2);
    expect(s.classes.map((c) => c.name)).toEqual(['bg', 'a', 'b']);
  });

  it('a class in neither map is left out of the means (null), one only predicted scores 0', () => {
    const cm = new ConfusionMatrix(4);
    cm.add(Uint8Array.from([0, 0, 1, 1]), Uint8Array.from([0, 0, 1, 3]));
    const s = cm.scores([]);
    expect(s.classes[2].iou).toBeNull();
    expect(s.classes[3].iou).toBe(0);
    expect(s.classes[1].iou).toBe(0.5);
    expect(s.meanIou).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(s.classes[3].name).toBe('class 3');
  });

  it('accumulates over images: the same as one map of both', () => {
    const a = new ConfusionMatrix(2), b = new ConfusionMatrix(2);
    a.add(Uint8Array.from([0, 1]), Uint8Array.from([1, 1]));
    a.add(Uint8Array.from([1, 1, 0]), Uint8Array.from([1, 0, 0]));
    b.add(Uint8Array.from([0, 1, 1, 1, 0]), Uint8Array.from([1, 1, 1, 0, 0]));
    expect(a.scores([])).toEqual(b.scores([]));
  });
});
