import { describe, expect, it } from 'vitest';
import { HOTA_ALPHAS, evaluateTracking, type MotFrame, type MotObject } from '../../../src/core/eval/mot-metrics.js';
import type { BoxXYXY } from '../../../src/core/types.js';
import { rectRle } from '../tracking/scene.js';

// Two far-apart places; an object's box at place P in frame f moves 2 px per frame (IoU stays 1
// between a ground truth and a prediction at the same place and frame, 0 across places).
const place = (p: number, f: number): BoxXYXY => [100 + 300 * p + 2 * f, 100, 200 + 300 * p + 2 * f, 200];
const obj = (id: number, p: number, f: number): MotObject => ({ id, box: place(p, f), mask: rectRle(place(p, f)) });

/** Frames from per-frame lists of [gt id, place] and [pred id, place]. */
function clip(gt: [number, number][][], pred: [number, number][][]): MotFrame[] {
  return gt.map((g, f) => ({ gt: g.map(([id, p]) => obj(id, p, f)), pred: pred[f].map(([id, p]) => obj(id, p, f)) }));
}

describe('evaluateTracking', () => {
  it('scores perfect tracking 1 everywhere', () => {
    // Objects 1 and 2, followed by predictions 7 and 8 for 4 frames.
    const frames = clip(
      Array.from({ length: 4 }, () => [[1, 0], [2, 1]]),
      Array.from({ length: 4 }, () => [[7, 0], [8, 1]]),
    );
    const m = evaluateTracking(frames);
    expect(m).toMatchObject({
      gt: 8, predictions: 8, matches: 8, switches: 0, fragmentations: 0, falsePositives: 0, misses: 0,
      mota: 1, motp: 0, idtp: 8, idf1: 1, idp: 1, idr: 1,
    });
    expect(m.hota.hota).toBe(1);
    expect(m.hota.detA).toBe(1);
    expect(m.hota.assA).toBe(1);
    expect(m.hota.locA).toBe(1);
  });

  it('counts a swap of two ids mid-clip as two switches', () => {
    // Frames 0-1: a(1)-7, b(2)-8; frames 2-3: the predictions trade places, a-8, b-7.
    const frames = clip(
      Array.from({ length: 4 }, () => [[1, 0], [2, 1]]),
      [[[7, 0], [8, 1]], [[7, 0], [8, 1]], [[8, 0], [7, 1]], [[8, 0], [7, 1]]],
    );
    const m = evaluateTracking(frames);
    // CLEAR: frame 2, a's last partner 7 is now at b's place (IoU 0): a-8 and b-7 are switches;
    // frame 3 keeps the new pairs. IDSW = 2, MOTA = 1 − 2/8 = 0.75.
    expect(m.switches).toBe(2);
    expect(m.matches).toBe(6);
    expect(m.mota).toBe(0.75);
    // IDs: co-occurrences a-7 2, a-8 2, b-8 2, b-7 2; the best one-to-one map collects 2 + 2 = 4.
    // IDF1 = 2·4 / (8 + 8) = 0.5.
    expect(m.idtp).toBe(4);
    expect(m.idf1).toBe(0.5);
    expect(m.fragmentations).toBe(0);
    // HOTA: every frame's matches are exact (TP 8, DetA 1 at every α). Each id pair (a,7), (a,8),
    // (b,7), (b,8) is matched 2 times of 4 + 4 − 2: TPA/(TPA+FNA+FPA) = 2/6 = 1/3 for each of the
    // 8 TPs, so AssA = 1/3 and HOTA = √(1/3) = 0.57735.
    expect(m.hota.detA).toBe(1);
    expect(m.hota.assA).toBeCloseTo(1 / 3, 12);
    expect(m.hota.hota).toBeCloseTo(Math.sqrt(1 / 3), 12);
  });

  it('counts a track lost for a frame then resumed as one fragmentation', () => {
    // Object 1 in frames 0-4; prediction 7 everywhere but frame 2.
    const frames = clip(
      Array.from({ length: 5 }, () => [[1, 0]]),
      [[[7, 0]], [[7, 0]], [], [[7, 0]], [[7, 0]]],
    );
    const m = evaluateTracking(frames);
    // FN 1 (frame 2), FRAG 1 (tracked -> missed at frame 2, tracked again later), no switch:
    // MOTA = 1 − 1/5 = 0.8; IDTP 4, IDF1 = 2·4 / (5 + 4) = 8/9.
    expect(m).toMatchObject({ misses: 1, fragmentations: 1, switches: 0, falsePositives: 0, idtp: 4 });
    expect(m.mota).toBeCloseTo(0.8, 12);
    expect(m.idf1).toBeCloseTo(8 / 9, 12);
    // HOTA: TP 4, FN 1 -> DetA 4/5; the pair (1,7) matched 4 times of 5 + 4 − 4: AssA 4/5; HOTA 0.8.
    expect(m.hota.detA).toBeCloseTo(0.8, 12);
    expect(m.hota.assA).toBeCloseTo(0.8, 12);
    expect(m.hota.hota).toBeCloseTo(0.8, 12);

    // Resumed under a new id 9 instead: the same fragmentation, plus an ID switch at frame 3.
    // MOTA = 1 − (1 + 1)/5 = 0.6; IDTP = max(2 with 7, 2 with 9) = 2, IDF1 = 2·2/(5 + 4) = 4/9.
    const m2 = evaluateTracking(clip(Array.from({ length: 5 }, () => [[1, 0]]), [[[7, 0]], [[7, 0]], [], [[9, 0]], [[9, 0]]]));
    expect(m2).toMatchObject({ misses: 1, fragmentations: 1, switches: 1, idtp: 2 });
    expect(m2.mota).toBeCloseTo(0.6, 12);
    expect(m2.idf1).toBeCloseTo(4 / 9, 12);
  });

  it('counts a false track as false positives', () => {
    // Object 1 tracked by 7 in frames 0-3; a prediction 8 at an empty place in frames 1-2.
    const frames = clip(
      Array.from({ length: 4 }, () => [[1, 0]]),
      [[[7, 0]], [[7, 0], [8, 1]], [[7, 0], [8, 1]], [[7, 0]]],
    );
    const m = evaluateTracking(frames);
    // FP 2: MOTA = 1 − 2/4 = 0.5; IDTP 4, IDF1 = 2·4/(4 + 6) = 0.8, IDP = 4/6, IDR = 1.
    expect(m).toMatchObject({ falsePositives: 2, misses: 0, switches: 0, mota: 0.5, idtp: 4, idf1: 0.8, idr: 1 });
    expect(m.idp).toBeCloseTo(4 / 6, 12);
    // HOTA: TP 4, FP 2 -> DetA 4/6; (1,7) matched 4 of 4 + 4 − 4 -> AssA 1; HOTA √(2/3).
    expect(m.hota.detA).toBeCloseTo(2 / 3, 12);
    expect(m.hota.assA).toBe(1);
    expect(m.hota.hota).toBeCloseTo(Math.sqrt(2 / 3), 12);
  });

  it('counts a missed frame as a miss, and no fragmentation when the track never resumes', () => {
    // Objects 1, 2 in frames 0-2; 2 is not predicted in its last frame.
    const frames = clip(
      Array.from({ length: 3 }, () => [[1, 0], [2, 1]]),
      [[[7, 0], [8, 1]], [[7, 0], [8, 1]], [[7, 0]]],
    );
    const m = evaluateTracking(frames);
    // FN 1: MOTA = 1 − 1/6; FRAG 0 (the miss is after 2's last match); IDF1 = 2·5/(6 + 5) = 10/11.
    expect(m).toMatchObject({ misses: 1, fragmentations: 0, falsePositives: 0, switches: 0, idtp: 5 });
    expect(m.mota).toBeCloseTo(5 / 6, 12);
    expect(m.idf1).toBeCloseTo(10 / 11, 12);
  });

  it('keeps a still-valid previous pairing over a cheaper new one (CLEAR continuity)', () => {
    // GT 1 at [0,0,100,100]. Frame 0: only prediction 7, IoU 0.6 -> matched. Frame 1: 7 still at
    // IoU 0.6, and 8 is exact. py-motmetrics keeps 1-7 (step 1) and calls 8 a false positive.
    const g: MotObject = { id: 1, box: [0, 0, 100, 100] };
    const p7: MotObject = { id: 7, box: [0, 0, 100, 60] };
    const p8: MotObject = { id: 8, box: [0, 0, 100, 100] };
    const m = evaluateTracking([{ gt: [g], pred: [p7] }, { gt: [g], pred: [p7, p8] }], { similarity: 'box' });
    expect(m).toMatchObject({ matches: 2, switches: 0, falsePositives: 1 });
    expect(m.motp).toBeCloseTo(0.4, 12);
  });

  it('computes HOTA per α on a match whose IoU is 0.62', () => {
    // Object 1 over 2 frames; prediction 7 exact in frame 0, IoU 0.62 in frame 1 (62 of 100 rows).
    const g: MotObject = { id: 1, box: [0, 0, 100, 100] };
    const frames: MotFrame[] = [
      { gt: [g], pred: [{ id: 7, box: [0, 0, 100, 100] }] },
      { gt: [g], pred: [{ id: 7, box: [0, 0, 100, 62] }] },
    ];
    const m = evaluateTracking(frames, { similarity: 'box' });
    // α 0.05 … 0.60 (12 values): both frames TP -> DetA 1, AssA 2/(2+2−2) = 1, HOTA 1, LocA 0.81.
    // α 0.65 … 0.95 (7 values): frame 1 is FN + FP -> DetA 1/3, AssA 1/(2+2−1) = 1/3, HOTA 1/3, LocA 1.
    expect(HOTA_ALPHAS).toHaveLength(19);
    const at = (a: number) => m.hota.perAlpha[a];
    expect(at(11)).toMatchObject({ tp: 2, fn: 0, fp: 0, hota: 1 });
    expect(at(11).locA).toBeCloseTo(0.81, 12);
    expect(at(12)).toMatchObject({ tp: 1, fn: 1, fp: 1 });
    expect(at(12).hota).toBeCloseTo(1 / 3, 12);
    expect(m.hota.hota).toBeCloseTo((12 + 7 / 3) / 19, 12); // 0.754386
    expect(m.hota.detA).toBeCloseTo((12 + 7 / 3) / 19, 12);
    expect(m.hota.locA).toBeCloseTo((12 * 0.81 + 7) / 19, 12);
    // CLEAR at IoU 0.5 sees two matches.
    expect(m.mota).toBe(1);
  });

  it('never matches objects of different classes', () => {
    const box: BoxXYXY = [0, 0, 50, 50];
    const m = evaluateTracking([{ gt: [{ id: 1, classId: 1, box }], pred: [{ id: 7, classId: 2, box }] }], { similarity: 'box' });
    expect(m).toMatchObject({ matches: 0, misses: 1, falsePositives: 1, idtp: 0 });
  });

  it('reports empty inputs without dividing by zero silently', () => {
    const m = evaluateTracking([{ gt: [], pred: [] }]);
    expect(m.mota).toBeNaN();
    expect(m.hota.hota).toBe(0);
    const onlyGt = evaluateTracking(clip([[[1, 0]]], [[]]));
    expect(onlyGt).toMatchObject({ misses: 1, mota: 0, idf1: 0 });
  });

  it('rejects duplicate ids and missing geometry with a one-line message', () => {
    expect(() => evaluateTracking(clip([[[1, 0], [1, 1]]], [[]]))).toThrow(/frame 0: gt id 1 appears twice/);
    expect(() => evaluateTracking([{ gt: [{ id: 1, box: [0, 0, 1, 1] }], pred: [] }])).toThrow(/gt id 1 has no mask/);
  });
});
