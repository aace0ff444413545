/**
 * Hand-computed COCOeval cases. Masks are rectangles on 10x10 (all 'small': area <= 32² = 1024) or
 * 100x100 grids, so every IoU is an exact fraction. Reminders of how pycocotools scores:
 *
 * - per IoU threshold t: detections sorted by score, tp/fp cumulated, rc = tp / nGT,
 *   pr = tp / (tp + fp + eps), pr made non-increasing from the right, then read at the 101 recall
 *   thresholds r = 0, 0.01, …, 1 at the first index with rc >= r (0 when recall never gets there);
 *   AP_t = mean of those 101 values, AP = mean over the 10 thresholds 0.50:0.05:0.95.
 * - the eps (2.2e-16) makes a "1" come out as 0.9999999999999998, hence toBeCloseTo(…, 12).
 */
import { describe, expect, it } from 'vitest';
import { cocoEvalSegm, IOU_THRESHOLDS, npMean, RECALL_THRESHOLDS } from '../../../src/core/eval/coco-eval.js';
import { det, gt, input, rect, rects } from './helpers.js';

const near = (actual: number | null, expected: number): void => expect(actual).toBeCloseTo(expected, 12);

describe('thresholds', () => {
  it('match numpy.linspace to the bit', () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[2]).toBe(0.6); // so an IoU of exactly 60/100 passes t = 0.6
    expect(IOU_THRESHOLDS[5]).toBe(0.75);
    expect(IOU_THRESHOLDS[8]).toBe(0.8999999999999999); // np.linspace(.5, .95, 10)[8]
    expect(IOU_THRESHOLDS[9]).toBe(0.95);
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    expect(RECALL_THRESHOLDS[35]).toBe(0.35000000000000003); // np.linspace(0, 1, 101)[35]
    expect(RECALL_THRESHOLDS[50]).toBe(0.5);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
  });

  it('npMean is numpy pairwise summation', () => {
    // < 8 values: plain left-to-right sum.
    expect(npMean([1, 2, 3])).toBe(2);
    // 10 values: the first 8 summed as a pairwise tree, then the 2 left over (numpy: 0.1 here,
    // where a left-to-right sum gives 0.09999999999999999).
    const ten = new Array(10).fill(0.1);
    const r = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const pairwise = (((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])) + 0.1) + 0.1;
    expect(npMean(ten)).toBe(pairwise / 10);
    expect(npMean(ten)).toBe(0.1); // np.mean([0.1] * 10)
    // 300 values (split in halves above 128): np.mean gives 0.5020060180541625, a plain sum …632.
    const a = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 1000) / 997);
    expect(npMean(a)).toBe(0.5020060180541625);
  });
});

describe('cocoEvalSegm: single image, single class', () => {
  it('a perfect detection: AP = AR = 1, all in the small range', () => {
    const m = rect(10, 10, 0, 0, 5, 5); // 25 px
    const r = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, m)], [det(1, 1, 0.9, m)]));
    // one TP at every threshold: pr = 1/(1+eps), rc = 1 → all 101 recall points read 1.
    near(r.ap, 1);
    near(r.ap50, 1);
    near(r.ap75, 1);
    near(r.apSmall, 1); // 25 <= 1024
    expect(r.apMedium).toBe(-1); // no GT in range → -1, as pycocotools
    expect(r.apLarge).toBe(-1);
    expect([r.ar1, r.ar10, r.ar100, r.arSmall]).toEqual([1, 1, 1, 1]); // rc = 1/1 exactly
    expect([r.arMedium, r.arLarge]).toEqual([-1, -1]);
    expect(r.meanIou).toBe(1);
    expect(r.meanDice).toBe(1);
    expect(r.counts).toMatchObject({ images: 1, gt: 1, detections: 1, matched: 1, falsePositives: 0, misses: 0 });
    expect(r.stats).toHaveLength(12);
    expect(r.stats[0]).toBe(r.ap);
  });

  it('one detection at IoU 0.6: TP at 0.5, 0.55, 0.6 only → AP = 3/10', () => {
    const g = rect(10, 10, 0, 0, 6, 10); // 60 px
    const d = rect(10, 10, 0, 0, 10, 10); // 100 px; ∩ = 60, ∪ = 100 → IoU 0.6
    const r = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, g)], [det(1, 1, 0.8, d)]));
    // t ∈ {0.5, 0.55, 0.6}: AP_t = 1; t >= 0.65 (7 thresholds): FP + miss → AP_t = 0.
    near(r.ap, 3 / 10);
    near(r.ap50, 1);
    near(r.ap75, 0);
    near(r.ar100, 3 / 10); // recall 1 at 3 thresholds, 0 at 7
    expect(r.meanIou).toBe(0.6);
    near(r.meanDice, 0.75); // 2·60/(60+100) = 120/160 = 2·0.6/1.6
    expect(r.categories[0]).toMatchObject({ matched: 1, falsePositives: 0, misses: 0, meanIou: 0.6 });
  });

  it('a miss (one GT, no detection): AP = 0, AR = 0', () => {
    const r = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, rect(10, 10, 0, 0, 5, 5))], []));
    // npig = 1, no detection: recall 0, precision 0 at every recall point (not -1: the class has GT).
    expect(r.ap).toBe(0);
    expect(r.ap50).toBe(0);
    expect(r.ar100).toBe(0);
    expect(r.meanIou).toBeNull();
    expect(r.counts).toMatchObject({ gt: 1, detections: 0, matched: 0, falsePositives: 0, misses: 1 });
  });

  it('a duplicate after the match (TP then FP): AP = 1', () => {
    const m = rect(10, 10, 0, 0, 5, 5);
    const r = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, m)], [det(1, 1, 0.9, m), det(1, 1, 0.8, m)]));
    // 0.9 takes the GT, 0.8 finds it taken → FP. tp = [1, 1], fp = [0, 1], rc = [1, 1],
    // pr = [1, 0.5] → envelope [1, 0.5]; every r <= 1 reads index 0 → 1.
    near(r.ap, 1);
    expect(r.counts).toMatchObject({ gt: 1, detections: 2, matched: 1, falsePositives: 1, misses: 0 });
  });

  it('a worse detection scored higher (FP then TP): AP = 0.5', () => {
    const g = rect(10, 10, 0, 0, 4, 5); // 20 px
    const poor = rect(10, 10, 0, 0, 1, 5); // 5 px inside the GT → IoU 5/20 = 0.25 < 0.5
    const r = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, g)], [det(1, 1, 0.9, poor), det(1, 1, 0.8, g)]));
    // tp = [0, 1], fp = [1, 1], rc = [0, 1], pr = [0, 0.5] → envelope [0.5, 0.5]; r = 0 reads
    // index 0, r > 0 index 1: all 0.5 → AP_t = 0.5 at every t.
    near(r.ap, 0.5);
    near(r.ap50, 0.5);
    expect(r.ar100).toBe(1);
    expect(r.counts).toMatchObject({ matched: 1, falsePositives: 1, misses: 0 });
  });

  it('equal scores keep their input order (numpy mergesort is stable)', () => {
    const g = rect(10, 10, 0, 0, 4, 5);
    const poor = rect(10, 10, 0, 0, 1, 5); // IoU 0.25
    const fpFirst = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, g)], [det(1, 1, 0.8, poor), det(1, 1, 0.8, g)]));
    const tpFirst = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, g)], [det(1, 1, 0.8, g), det(1, 1, 0.8, poor)]));
    near(fpFirst.ap, 0.5); // as FP-then-TP above
    near(tpFirst.ap, 1); // as TP-then-FP above
  });

  it('on equal IoU the later GT wins (pycocotools skips only when iou < best)', () => {
    const a = rect(10, 10, 0, 0, 4, 10); // 40 px
    const b = rect(10, 10, 6, 0, 10, 10); // 40 px
    const both = rects(10, 10, [[0, 0, 4, 10], [6, 0, 10, 10]]); // A ∪ B, 80 px: IoU 40/80 = 0.5 with each
    const r = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, a), gt(1, 1, b)], [det(1, 1, 0.9, both), det(1, 1, 0.8, a)]));
    // t = 0.5: det 0.9 ties A and B at 0.5 and takes B (the later), det 0.8 takes A → 2 TP → AP50 = 1.
    // (Were A taken first, det 0.8 would be an FP and AP50 = 51/101.)
    near(r.ap50, 1);
    // t > 0.5: det 0.9 matches nothing → [FP, TP] with 2 GT: rc = [0, 0.5], pr = [0, 0.5] → envelope
    // 0.5 at r = 0..0.50 (51 points), 0 beyond → AP_t = 25.5/101 = 51/202.
    // AP = (1 + 9·51/202) / 10 = (202 + 459) / 2020 = 661/2020.
    near(r.ap, 661 / 2020);
    // Matches at 0.5: IoU 0.5 (det 0.9 ↔ B) and 1 (det 0.8 ↔ A) → mean 0.75; Dice 2·0.5/1.5 = 2/3 and 1 → 5/6.
    near(r.meanIou, 0.75);
    near(r.meanDice, 5 / 6);
  });

  it('GT area comes from the annotation, detection area from its mask', () => {
    const m = rect(10, 10, 0, 0, 5, 5); // 25 px
    const r = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, m, { area: 5000 })], [det(1, 1, 0.9, m)]));
    // The GT says 5000 (medium): in 'small' it is ignored, the det matching it is ignored → no GT → -1.
    expect(r.apSmall).toBe(-1);
    // In 'medium' the GT counts; the det (25 px, outside medium) matched it, so it is a TP, not ignored.
    near(r.apMedium, 1);
    near(r.ap, 1);
  });
});

describe('cocoEvalSegm: classes', () => {
  it('class confusion: right mask, wrong class → a miss in one class, an FP in the other', () => {
    const m = rect(10, 10, 0, 0, 5, 5);
    const r = cocoEvalSegm(input(1, 10, 10, 2, [gt(1, 1, m)], [det(1, 2, 0.9, m)]));
    const [c1, c2] = r.categories;
    expect(c1).toMatchObject({ id: 1, ap: 0, gt: 1, detections: 0, misses: 1 }); // GT, nothing found
    expect(c2).toMatchObject({ id: 2, ap: -1, gt: 0, detections: 1, falsePositives: 1 }); // no GT → -1
    expect(r.ap).toBe(0); // mean over class 1 only
    expect(r.counts).toMatchObject({ gt: 1, detections: 1, matched: 0, falsePositives: 1, misses: 1 });
  });

  it('a class without GT is left out of the mean', () => {
    const m = rect(10, 10, 0, 0, 5, 5);
    const fp = rect(10, 10, 6, 6, 9, 9);
    const r = cocoEvalSegm(input(1, 10, 10, 2, [gt(1, 1, m)], [det(1, 1, 0.9, m), det(1, 2, 0.95, fp)]));
    near(r.categories[0].ap, 1);
    expect(r.categories[1].ap).toBe(-1);
    near(r.ap, 1); // not (1 + 0) / 2
    expect(r.counts.falsePositives).toBe(1);
  });

  it('mean IoU / Dice per class and overall', () => {
    const r = cocoEvalSegm(
      input(
        2, 10, 10, 2,
        [gt(1, 1, rect(10, 10, 0, 0, 5, 5)), gt(2, 2, rect(10, 10, 0, 0, 6, 10))],
        [det(1, 1, 0.9, rect(10, 10, 0, 0, 5, 5)), det(2, 2, 0.9, rect(10, 10, 0, 0, 10, 10))],
      ),
    );
    // class 1: IoU 1, Dice 1; class 2: IoU 60/100 = 0.6, Dice 2·60/160 = 0.75.
    expect(r.categories[0]).toMatchObject({ meanIou: 1, meanDice: 1 });
    expect(r.categories[1].meanIou).toBe(0.6);
    near(r.categories[1].meanDice, 0.75);
    // overall, per matched instance: IoU (1 + 0.6)/2 = 0.8, Dice (1 + 0.75)/2 = 0.875.
    near(r.meanIou, 0.8);
    near(r.meanDice, 0.875);
    // AP: class 1 → 1, class 2 → 3/10 → mean 0.65.
    near(r.ap, 0.65);
  });

  it('no GT and no detections at all: every metric undefined', () => {
    const r = cocoEvalSegm(input(1, 10, 10, 1, [], []));
    expect(r.stats).toEqual(new Array(12).fill(-1));
    expect(r.meanIou).toBeNull();
  });
});

describe('cocoEvalSegm: several images', () => {
  it('two images: detections ranked across images', () => {
    const m = rect(10, 10, 0, 0, 5, 5);
    const fp = rect(10, 10, 6, 6, 9, 9);
    const r = cocoEvalSegm(
      input(2, 10, 10, 1, [gt(1, 1, m), gt(2, 1, m)], [det(1, 1, 0.9, m), det(2, 1, 0.8, fp), det(2, 1, 0.3, m)]),
    );
    // Ranked: 0.9 TP (image 1), 0.8 FP (image 2), 0.3 TP (image 2); nGT = 2.
    // tp = [1, 1, 2], fp = [0, 1, 1], rc = [0.5, 0.5, 1], pr = [1, 0.5, 2/3] → envelope [1, 2/3, 2/3].
    // r = 0 … 0.50 (51 points) read index 0 → 1; r = 0.51 … 1 (50 points) read index 2 → 2/3.
    // AP_t = (51 + 50·2/3) / 101 = 253/303 at every t (all matches are exact).
    near(r.ap, 253 / 303);
    near(r.ap50, 253 / 303);
    near(r.ap75, 253 / 303);
    expect(r.ar100).toBe(1);
    // maxDets 1: each image keeps its best det only: image 1 TP (0.9), image 2 FP (0.8) → recall 1/2.
    expect(r.ar1).toBe(0.5);
    expect(r.ar10).toBe(1);
    expect(r.counts).toMatchObject({ images: 2, gt: 2, detections: 3, matched: 2, falsePositives: 1, misses: 0 });
  });

  it('maxDets: only the 100 best detections per image and class are matched', () => {
    const m = rect(10, 10, 0, 0, 5, 5);
    const speck = rect(10, 10, 9, 9, 10, 10); // 1 px, off the GT: an FP
    const fps = (n: number) => Array.from({ length: n }, () => det(1, 1, 0.99, speck));
    // 100 FPs scored above the exact detection: it is the 101st → cut before matching.
    const cut = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, m)], [...fps(100), det(1, 1, 0.5, m)]));
    expect(cut.ap).toBe(0);
    expect(cut.ar100).toBe(0);
    expect(cut.counts).toMatchObject({ detections: 101, truncatedDetections: 1, falsePositives: 100, misses: 1 });
    // 99 FPs: the exact one is the 100th. rc = [0 × 99, 1], pr[99] = 1/100 → envelope 0.01 everywhere,
    // every recall point reads 0.01 → AP = 0.01; AR100 = 1, AR10 = AR1 = 0 (only FPs in the top 10).
    const kept = cocoEvalSegm(input(1, 10, 10, 1, [gt(1, 1, m)], [...fps(99), det(1, 1, 0.5, m)]));
    near(kept.ap, 0.01);
    expect(kept.ar100).toBe(1);
    expect(kept.ar10).toBe(0);
    expect(kept.ar1).toBe(0);
    // The cut is per class: 100 FPs of class 2 do not push class 1's detection out.
    const other = cocoEvalSegm(
      input(1, 10, 10, 2, [gt(1, 1, m)], [...Array.from({ length: 100 }, () => det(1, 2, 0.99, speck)), det(1, 1, 0.5, m)]),
    );
    near(other.categories[0].ap, 1);
    near(other.ap, 1); // class 2 has no GT: left out
  });

  it('area ranges small / medium / large with ignored GTs and detections', () => {
    // 100x100 images. Image 1: small GT 20x20 = 400 px, exact det 0.7.
    // Image 2: medium GT 50x50 = 2500 px, exact det 0.5.
    // Image 3: large GT 100x100 = 10000 px, det 60x100 = 6000 px (IoU 0.6, itself 'medium'), score 0.9.
    const s = rect(100, 100, 0, 0, 20, 20);
    const md = rect(100, 100, 0, 0, 50, 50);
    const l = rect(100, 100, 0, 0, 100, 100);
    const d3 = rect(100, 100, 0, 0, 60, 100);
    const r = cocoEvalSegm(
      input(3, 100, 100, 1, [gt(1, 1, s), gt(2, 1, md), gt(3, 1, l)], [det(1, 1, 0.7, s), det(2, 1, 0.5, md), det(3, 1, 0.9, d3)]),
    );
    // small: only image 1's GT counts; det 0.5 and det 0.9 (t <= 0.6) match ignored GTs → ignored;
    // det 0.9 unmatched at t > 0.6 is 6000 px, outside small → ignored. One TP → APs = 1.
    near(r.apSmall, 1);
    // medium: image 2's GT counts. det 0.9: t <= 0.6 matches image 3's (ignored) GT → ignored;
    // t > 0.6 unmatched, 6000 px inside medium → FP. det 0.7 matches an ignored GT → ignored.
    // t <= 0.6: [ign, ign, TP] → AP_t = 1; t > 0.6: [FP, ign, TP] → pr = [0, 0, 0.5] → 0.5.
    // APm = (3·1 + 7·0.5) / 10 = 0.65.
    near(r.apMedium, 0.65);
    // large: image 3's GT counts. det 0.9: TP at t <= 0.6; at t > 0.6 unmatched, 6000 px outside
    // large → ignored (not an FP): nothing counts → AP_t = 0. APl = 3/10.
    near(r.apLarge, 0.3);
    // all: 3 GT. t <= 0.6: three TPs → 1. t > 0.6: [FP 0.9, TP 0.7, TP 0.5]: rc = [0, 1/3, 2/3],
    // pr = [0, 1/2, 2/3] → envelope 2/3; r = 0 … 0.66 (67 points) → 2/3, r >= 0.67 → 0:
    // AP_t = 67·(2/3)/101 = 134/303. AP = (3 + 7·134/303) / 10 = 1847/3030.
    near(r.ap, 1847 / 3030);
    near(r.ap50, 1);
    near(r.ap75, 134 / 303);
    // AR100: recall 1 at 3 thresholds, 2/3 at 7 → (3 + 14/3)/10 = 23/30.
    near(r.ar100, 23 / 30);
    expect(r.arSmall).toBe(1);
    expect(r.arMedium).toBe(1);
    near(r.arLarge, 0.3);
  });
});

describe('cocoEvalSegm: crowd ground truth', () => {
  it('detections inside a crowd region are ignored, however many', () => {
    const person = rect(10, 10, 0, 0, 4, 4); // 16 px
    const crowd = rect(10, 10, 5, 0, 10, 10); // 50 px, iscrowd
    const r = cocoEvalSegm(
      input(
        1, 10, 10, 1,
        [gt(1, 1, person), gt(1, 1, crowd, { iscrowd: true })],
        [
          det(1, 1, 0.9, rect(10, 10, 5, 0, 10, 2)), // 10 px inside the crowd: ∩/det = 10/10 = 1
          det(1, 1, 0.8, rect(10, 10, 6, 2, 10, 4)), // 8 px inside the crowd: 8/8 = 1
          det(1, 1, 0.5, person),
        ],
      ),
    );
    // Both crowd detections are ignored at every t (a crowd absorbs any number): only the TP counts.
    near(r.ap, 1);
    expect(r.counts).toMatchObject({ gt: 1, crowdGt: 1, detections: 3, matched: 1, falsePositives: 0, ignoredDetections: 2 });
  });

  it('crowd IoU is intersection over the detection area', () => {
    const person = rect(10, 10, 0, 0, 4, 4);
    const crowd = rect(10, 10, 5, 0, 10, 10);
    const half = rect(10, 10, 3, 5, 7, 10); // 20 px, 10 of them (x 5..7) in the crowd → 10/20 = 0.5
    const r = cocoEvalSegm(
      input(1, 10, 10, 1, [gt(1, 1, person), gt(1, 1, crowd, { iscrowd: true })], [det(1, 1, 0.9, half), det(1, 1, 0.5, person)]),
    );
    // t = 0.5: the half det matches the crowd → ignored → AP_0.5 = 1.
    // t >= 0.55: FP above the TP → pr envelope 0.5 → AP_t = 0.5. AP = (1 + 9·0.5)/10 = 0.55.
    near(r.ap50, 1);
    near(r.ap, 0.55);
  });
});
