import { describe, expect, it } from 'vitest';
import { COCO80_LABELS, COCO91_LABELS, coco80ToCoco91 } from '../../src/core/labels.js';

// ultralytics' coco80_to_coco91_class(), written out independently.
const ULTRALYTICS_80_TO_91 = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31,
  32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57,
  58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87,
  88, 89, 90,
];

describe('labels', () => {
  it('COCO91 has torchvision shape: 91 entries, background first, 10 N/A gaps', () => {
    expect(COCO91_LABELS).toHaveLength(91);
    expect(COCO91_LABELS[0]).toBe('__background__');
    expect(COCO91_LABELS[1]).toBe('person');
    expect(COCO91_LABELS[12]).toBe('N/A');
    expect(COCO91_LABELS[90]).toBe('toothbrush');
    expect(COCO91_LABELS.filter((l) => l === 'N/A')).toHaveLength(10);
  });

  it('COCO80 is YOLO order', () => {
    expect(COCO80_LABELS).toHaveLength(80);
    expect(COCO80_LABELS[0]).toBe('person');
    expect(COCO80_LABELS[2]).toBe('car');
    expect(COCO80_LABELS[11]).toBe('stop sign');
    expect(COCO80_LABELS[79]).toBe('toothbrush');
  });

  it('coco80ToCoco91 matches ultralytics and names agree across the two tables', () => {
    for (let i = 0; i < 80; i++) {
      expect(coco80ToCoco91(i)).toBe(ULTRALYTICS_80_TO_91[i]);
      expect(COCO91_LABELS[coco80ToCoco91(i)]).toBe(COCO80_LABELS[i]);
    }
  });

  it('coco80ToCoco91 rejects out-of-range indices', () => {
    expect(() => coco80ToCoco91(80)).toThrow(RangeError);
    expect(() => coco80ToCoco91(-1)).toThrow(RangeError);
    expect(() => coco80ToCoco91(1.5)).toThrow(RangeError);
  });
});
