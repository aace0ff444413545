/**
 * Which area decides a detection's size range, per results format, as pycocotools decides it
 * (`COCO.loadRes`: the first result's `bbox` makes every area bbox w·h, else mask pixels; a
 * dataset read by `COCO()` keeps each annotation's `area`). Hand-computed on one 100x100 frame:
 *
 * - class 1: GT A = 20x20 square at the origin (400 px, small). F1 (score 0.9): two 5x5 squares at
 *   (60,60) and (95,95), 50 px (small) whose bbox [60,60,40,40] is 1600 (medium); it misses A.
 *   T1 (0.8) = A, bbox 20x20 = 400.
 * - class 2: GT B = 50x50 square at the origin (2500 px, medium). F2 (0.9): 5x5 squares at
 *   (50,50) and (95,95), 50 px (small), bbox [50,50,50,50] = 2500 (medium); it misses B.
 *   T2 (0.8) = B, bbox 2500.
 *
 * Mask areas: APs comes from class 1 alone (B is not small, so class 2 has no small GT: -1) where
 * F1 (small) is an FP before the TP: precision 1/2 at every recall → 0.5; APm from class 2 alone,
 * where F2 (50 px) is outside medium and unmatched, so ignored: 1.
 * Bbox areas: F1 (1600) is outside small → ignored → APs = 1; F2 (2500) is medium → an FP before
 * the TP → APm = 0.5.
 * AP (all areas) is 0.5 either way (each class: FP then TP), AR1 0 (the top detection is the F),
 * every other AR 1, APl/ARl -1 (no large GT).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cocoEvalSegm, type CocoEvalResult } from '../../../src/core/eval/coco-eval.js';
import { loadResults, parseGroundTruth, type LoadedResults } from '../../../src/core/eval/load.js';
import { rleCountsToString } from '../../../src/core/rle.js';
import type { Rle } from '../../../src/core/types.js';
import { tempDir } from '../../helpers.js';
import { rect, rects } from './helpers.js';

const tmp = tempDir('eval-area');
afterAll(() => tmp.cleanup());
let n = 0;
function file(content: unknown, ext = 'json'): string {
  const p = path.join(tmp.dir, `f${n++}.${ext}`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

const seg = (m: Rle) => ({ size: m.size, counts: rleCountsToString(m.counts) });
const A = rect(100, 100, 0, 0, 20, 20);
const B = rect(100, 100, 0, 0, 50, 50);
const F1 = rects(100, 100, [[60, 60, 65, 65], [95, 95, 100, 100]]);
const F2 = rects(100, 100, [[50, 50, 55, 55], [95, 95, 100, 100]]);

const gt = parseGroundTruth({
  images: [{ id: 1, seq: 0, width: 100, height: 100 }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, segmentation: seg(A), area: 400, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 2, segmentation: seg(B), area: 2500, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'c1' }, { id: 2, name: 'c2' }],
});

/** The four detections as COCO results, F1 first; xywh bboxes as the --coco writer puts them. */
const results = [
  { image_id: 1, category_id: 1, segmentation: seg(F1), score: 0.9, bbox: [60, 60, 40, 40] },
  { image_id: 1, category_id: 1, segmentation: seg(A), score: 0.8, bbox: [0, 0, 20, 20] },
  { image_id: 1, category_id: 2, segmentation: seg(F2), score: 0.9, bbox: [50, 50, 50, 50] },
  { image_id: 1, category_id: 2, segmentation: seg(B), score: 0.8, bbox: [0, 0, 50, 50] },
];
const withoutBbox = (r: (typeof results)[number]) => ({ image_id: r.image_id, category_id: r.category_id, segmentation: r.segmentation, score: r.score });

const evaluate = (res: LoadedResults): CocoEvalResult =>
  cocoEvalSegm({ images: gt.images, categories: gt.categories, gt: gt.annotations, dets: res.detections });
const near = (actual: number, expected: number): void => expect(actual).toBeCloseTo(expected, 12);

/** Mask areas: APs 0.5, APm 1. */
function expectMaskAreas(r: CocoEvalResult): void {
  near(r.apSmall, 0.5);
  near(r.apMedium, 1);
  expectCommon(r);
}
/** Bbox areas: APs 1, APm 0.5. */
function expectBboxAreas(r: CocoEvalResult): void {
  near(r.apSmall, 1);
  near(r.apMedium, 0.5);
  expectCommon(r);
}
function expectCommon(r: CocoEvalResult): void {
  near(r.ap, 0.5);
  near(r.ap50, 0.5);
  expect(r.apLarge).toBe(-1);
  // AR1: only the top detection per image and class (an F) counts, so recall 0.
  expect([r.ar1, r.ar10, r.ar100, r.arSmall, r.arMedium, r.arLarge]).toEqual([0, 1, 1, 1, 1, -1]);
}

describe('detection area per results format (pycocotools loadRes / COCO())', () => {
  it('COCO results list whose first result has a bbox: every area is bbox w·h', async () => {
    const res = await loadResults(file(results), gt);
    expect(res.detectionArea).toBe('bbox');
    expect(res.detections.map((d) => d.area)).toEqual([1600, 400, 2500, 2500]);
    expectBboxAreas(evaluate(res));
  });

  it('the bbox w·h is used as given, not the mask’s box', async () => {
    // F2's bbox says 10x10 = 100 (small): F2 leaves medium, so APm is 1 again.
    const list = results.map((r, i) => (i === 2 ? { ...r, bbox: [50, 50, 10, 10] } : r));
    const res = await loadResults(file(list), gt);
    expect(res.detections[2].area).toBe(100);
    near(evaluate(res).apMedium, 1);
  });

  it('COCO results list whose first result has no bbox: every area is the mask’s, bboxes or not', async () => {
    const list = [withoutBbox(results[0]), ...results.slice(1)];
    const res = await loadResults(file(list), gt);
    expect(res.detectionArea).toBe('mask');
    expect(res.detections.map((d) => d.area)).toEqual([undefined, undefined, undefined, undefined]);
    expectMaskAreas(evaluate(res));
    // An empty first bbox counts as none (loadRes: `not anns[0]['bbox'] == []`).
    const empty = await loadResults(file([{ ...results[0], bbox: [] }, ...results.slice(1)]), gt);
    expect(empty.detectionArea).toBe('mask');
    expectMaskAreas(evaluate(empty));
  });

  it('COCO results list without any bbox: mask areas', async () => {
    const res = await loadResults(file(results.map(withoutBbox)), gt);
    expect(res.detectionArea).toBe('mask');
    expectMaskAreas(evaluate(res));
  });

  it('first result with a bbox, a later one without (pycocotools fails): a one-line error naming it', async () => {
    const list = [...results.slice(0, 3), withoutBbox(results[3])];
    await expect(loadResults(file(list), gt)).rejects.toThrow(/result \[3\]: has no bbox \(the first result has one/);
    const bad = results.map((r, i) => (i === 1 ? { ...r, bbox: [0, 0, 20] } : r));
    await expect(loadResults(file(bad), gt)).rejects.toThrow(/result \[1\]: bbox must be \[x, y, width, height\]/);
    const negative = results.map((r, i) => (i === 1 ? { ...r, bbox: [0, 0, -20, -20] } : r));
    await expect(loadResults(file(negative), gt)).rejects.toThrow(/result \[1\]: bbox width and height must be non-negative/);
  });

  it('JSONL: mask areas (its xyxy box is not a COCO bbox)', async () => {
    const toXyxy = (b: number[]) => [b[0], b[1], b[0] + b[2], b[1] + b[3]];
    const instances = results.map((r) => ({ classId: r.category_id, label: `c${r.category_id}`, score: r.score, box: toXyxy(r.bbox), mask: r.segmentation }));
    const res = await loadResults(file(JSON.stringify({ streamId: 's', seq: 0, ptsMs: 0, width: 100, height: 100, instances }) + '\n', 'jsonl'), gt);
    expect(res.detectionArea).toBe('mask');
    expectMaskAreas(evaluate(res));
  });

  it('COCO dataset: each annotation’s own area (mask pixels where it has none)', async () => {
    const dataset = (areas: (number | undefined)[]) => ({
      images: [{ id: 1, seq: 0, width: 100, height: 100 }],
      categories: gt.categories,
      annotations: results.map((r, i) => ({ id: i + 1, ...r, iscrowd: 0, ...(areas[i] === undefined ? {} : { area: areas[i] }) })),
    });
    // The --coco writer's areas (mask pixels: 50, 400, 50, 2500), bbox or not: mask-area numbers.
    const written = await loadResults(file(dataset([50, 400, 50, 2500])), gt);
    expect(written.detectionArea).toBe('annotation');
    expectMaskAreas(evaluate(written));
    // Areas that say what the bboxes say: bbox-area numbers.
    expectBboxAreas(evaluate(await loadResults(file(dataset([1600, 400, 2500, 2500])), gt)));
    // No area: the mask's.
    expectMaskAreas(evaluate(await loadResults(file(dataset([undefined, undefined, undefined, undefined])), gt)));
    await expect(loadResults(file(dataset([-1, 400, 50, 2500])), gt)).rejects.toThrow(/annotation \[0\]: area must be a non-negative number/);
  });
});
