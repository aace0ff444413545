import { describe, expect, it } from 'vitest';
import { boxIou, nms } from '../../src/core/nms.js';

// Reference produced by torchvision 0.14 (batched_nms / nms) on these exact inputs; scores are
// eighths, so there are many ties and the stable tie-break matters.
const REF = {
  boxes: [20, 60, 34, 90, 41, 3, 50, 42, 6, 23, 14, 60, 13, 2, 23, 34, 26, 4, 46, 14, 35, 27, 43, 39, 60, 14, 68, 44, 3, 14, 10, 54, 54, 8, 77, 39, 9, 34, 21, 58, 35, 52, 51, 63, 37, 36, 54, 64, 6, 35, 15, 43, 39, 13, 75, 52, 27, 49, 52, 83, 37, 59, 71, 87, 19, 15, 35, 35, 5, 36, 29, 74, 31, 56, 57, 89, 18, 38, 27, 50, 32, 26, 47, 52, 9, 59, 45, 90, 2, 42, 11, 82, 36, 50, 61, 76, 44, 22, 80, 56, 4, 53, 14, 75, 30, 44, 39, 52, 46, 44, 70, 77, 18, 45, 47, 72, 1, 60, 35, 87, 10, 39, 22, 75, 3, 13, 26, 26, 47, 15, 77, 45, 58, 55, 94, 65, 10, 28, 40, 68, 17, 56, 30, 88, 55, 35, 77, 66, 22, 43, 51, 62, 9, 5, 25, 19, 14, 42, 33, 47],
  eighths: [8, 3, 5, 5, 1, 3, 7, 6, 6, 3, 1, 8, 7, 7, 7, 7, 2, 8, 7, 1, 4, 2, 4, 8, 3, 2, 6, 1, 2, 1, 3, 2, 6, 1, 2, 4, 7, 3, 5, 6],
  classes: [2, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 2, 1, 2, 1, 1, 2, 0, 2, 0, 0, 2, 1, 0, 2, 2, 0, 2, 1, 2, 0, 2, 1, 2, 1, 0, 1, 0],
  aware03: [0, 11, 17, 23, 6, 12, 13, 14, 36, 7, 8, 26, 32, 39, 2, 3, 38, 20, 22, 1, 5, 9, 16, 21, 28, 31, 4, 19, 33],
  agnostic03: [0, 11, 17, 23, 6, 12, 13, 36, 7, 26, 39, 2, 3, 20, 22, 1, 5, 9, 16, 28, 31, 4, 19, 33],
  aware05: [0, 11, 17, 23, 6, 12, 13, 14, 15, 18, 36, 7, 8, 26, 32, 39, 2, 3, 38, 20, 22, 1, 5, 9, 24, 30, 37, 16, 21, 25, 28, 31, 34, 4, 10, 19, 27, 29, 33],
  agnostic05: [0, 11, 17, 23, 6, 12, 13, 14, 15, 18, 36, 7, 8, 26, 39, 2, 3, 38, 20, 22, 1, 5, 9, 30, 37, 16, 21, 25, 28, 31, 34, 4, 10, 19, 27, 33],
};

const boxes = new Float32Array(REF.boxes);
const scores = new Float32Array(REF.eighths.map((e) => e / 8));
const classes = new Int32Array(REF.classes);

describe('boxIou', () => {
  it('computes IoU without the +1 convention', () => {
    const b = new Float32Array([0, 0, 10, 10, 5, 0, 15, 10]);
    expect(boxIou(b, 0, b, 1)).toBeCloseTo(50 / 150, 10);
    expect(boxIou(b, 0, b, 0)).toBe(1);
  });
  it('is 0 for disjoint, touching and degenerate boxes', () => {
    const b = [0, 0, 10, 10, 10, 0, 20, 10, 3, 3, 3, 3];
    expect(boxIou(b, 0, b, 1)).toBe(0);
    expect(boxIou(b, 2, b, 2)).toBe(0);
  });
});

describe('nms', () => {
  it('matches torchvision batched_nms (class-aware) including score ties', () => {
    expect(Array.from(nms(boxes, scores, classes, { iouThreshold: 0.3 }))).toEqual(REF.aware03);
    expect(Array.from(nms(boxes, scores, classes, { iouThreshold: 0.5 }))).toEqual(REF.aware05);
  });

  it('matches torchvision nms when class-agnostic', () => {
    const opts = { classAgnostic: true };
    expect(Array.from(nms(boxes, scores, classes, { iouThreshold: 0.3, ...opts }))).toEqual(REF.agnostic03);
    expect(Array.from(nms(boxes, scores, classes, { iouThreshold: 0.5, ...opts }))).toEqual(REF.agnostic05);
  });

  it('suppresses only when IoU is strictly greater than the threshold', () => {
    const b = new Float32Array([0, 0, 4, 1, 0, 0, 2, 1]); // IoU = 2/4 = 0.5
    const s = new Float32Array([0.9, 0.8]);
    const c = new Int32Array([0, 0]);
    expect(Array.from(nms(b, s, c, { iouThreshold: 0.5 }))).toEqual([0, 1]);
    expect(Array.from(nms(b, s, c, { iouThreshold: 0.49 }))).toEqual([0]);
  });

  it('never lets different classes suppress each other by default', () => {
    const b = new Float32Array([0, 0, 10, 10, 0, 0, 10, 10]);
    const s = new Float32Array([0.5, 0.9]);
    const c = new Int32Array([1, 2]);
    expect(Array.from(nms(b, s, c, { iouThreshold: 0.5 }))).toEqual([1, 0]);
    expect(Array.from(nms(b, s, c, { iouThreshold: 0.5, classAgnostic: true }))).toEqual([1]);
  });

  it('stops at maxDetections, keeping the best', () => {
    const keep = nms(boxes, scores, classes, { iouThreshold: 0.5, maxDetections: 5 });
    expect(Array.from(keep)).toEqual(REF.aware05.slice(0, 5));
    expect(nms(boxes, scores, classes, { iouThreshold: 0.5, maxDetections: 0 })).toHaveLength(0);
  });

  it('handles no boxes', () => {
    const keep = nms(new Float32Array(0), new Float32Array(0), new Int32Array(0), { iouThreshold: 0.5 });
    expect(keep).toBeInstanceOf(Int32Array);
    expect(keep).toHaveLength(0);
  });
});
