/**
 * Cross-check against pycocotools on a random case (8 frames of 160x120, 3 classes + one without
 * GT, 25 GT incl. a crowd region and an annotation whose `area` differs from its mask, 148
 * detections incl. duplicates, wrong classes, tied scores, >100 on one frame/class, one of a class
 * the GT lacks, a frame with GT but no detections and one with detections but no GT).
 * fixtures/pycocotools-random/expected.json holds pycocotools' numbers (see its `_source`), and
 * expected-bbox.json those for results-bbox.json (the same detections with bboxes, so loadRes
 * takes their areas from the bboxes); nothing here runs Python.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cocoEvalSegm, type CocoEvalResult } from '../../../src/core/eval/coco-eval.js';
import { loadGroundTruth, loadResults } from '../../../src/core/eval/load.js';
import { tempDir } from '../../helpers.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pycocotools-random');

interface Expected {
  stats: number[];
  categories: { id: number; ap: number; ap50: number; ap75: number; apSmall: number; apMedium: number; apLarge: number; ar100: number; gt: number; crowdGt: number; matched: number; falsePositives: number; ignoredDetections: number; meanIou: number | null }[];
  counts: { gt: number; crowdGt: number; detections: number; matched: number; falsePositives: number; ignoredDetections: number };
  meanIou: number;
}
const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;

async function evaluate(resultsPath: string): Promise<{ r: CocoEvalResult; unknown: number }> {
  const gt = await loadGroundTruth(path.join(dir, 'gt.json'));
  const res = await loadResults(resultsPath, gt);
  // expected.json was made from mask areas (results.json has no bbox: see its _source).
  expect(res.detectionArea).toBe('mask');
  const unknown = [...res.unknownClasses.values()].reduce((s, u) => s + u.count, 0);
  return { r: cocoEvalSegm({ images: gt.images, categories: gt.categories, gt: gt.annotations, dets: res.detections }), unknown };
}

function checkAgainstPycocotools(r: CocoEvalResult, unknown: number): void {
  // The 12 summary numbers, bit for bit (same operations in the same order; np.mean's pairwise sum).
  expect(r.stats).toEqual(expected.stats);
  expect(r.categories.map((c) => c.id)).toEqual(expected.categories.map((c) => c.id));
  for (const [k, c] of r.categories.entries()) {
    const e = expected.categories[k];
    for (const key of ['ap', 'ap50', 'ap75', 'apSmall', 'apMedium', 'apLarge', 'ar100'] as const) {
      expect(c[key], `class ${c.id} ${key}`).toBe(e[key]);
    }
    for (const key of ['gt', 'crowdGt', 'matched', 'falsePositives', 'ignoredDetections'] as const) {
      expect(c[key], `class ${c.id} ${key}`).toBe(e[key]);
    }
    if (e.meanIou === null) expect(c.meanIou).toBeNull();
    else expect(c.meanIou, `class ${c.id} meanIou`).toBeCloseTo(e.meanIou, 12);
    // The accounting adds up: every detection is matched, an FP, ignored (crowd) or cut (>100).
    expect(c.matched + c.falsePositives + c.ignoredDetections + c.truncatedDetections).toBe(c.detections);
    expect(c.matched + c.misses).toBe(c.gt);
  }
  const { gt, crowdGt, matched, falsePositives, ignoredDetections } = r.counts;
  expect({ gt, crowdGt, matched, falsePositives, ignoredDetections }).toEqual({
    gt: expected.counts.gt, crowdGt: expected.counts.crowdGt, matched: expected.counts.matched,
    falsePositives: expected.counts.falsePositives, ignoredDetections: expected.counts.ignoredDetections,
  });
  // pycocotools counts the detection of the class the GT lacks (then drops it); we count it aside.
  expect(r.counts.detections + unknown).toBe(expected.counts.detections);
  expect(unknown).toBe(1);
  expect(r.counts.truncatedDetections).toBeGreaterThan(0); // the >100 frame was really cut
  expect(r.meanIou).toBeCloseTo(expected.meanIou, 12);
}

describe('agreement with pycocotools on a random case', () => {
  const tmp = tempDir('eval-fixture');
  afterAll(() => tmp.cleanup());

  it('from the COCO results list', async () => {
    const { r, unknown } = await evaluate(path.join(dir, 'results.json'));
    checkAgainstPycocotools(r, unknown);
    // Spot values from expected.json, for the reader.
    expect(r.ap).toBe(0.18207508186107654);
    expect(r.apLarge).toBe(0.8999999999999999); // class 1 ≈ 1, class 2 ≈ 0.8 → 0.9 less the eps
  });

  it('with a bbox on every result: pycocotools\' numbers from bbox areas (APs/APm/APl move, nothing else)', async () => {
    const bboxExpected = JSON.parse(readFileSync(path.join(dir, 'expected-bbox.json'), 'utf8')) as { stats: number[] };
    const gt = await loadGroundTruth(path.join(dir, 'gt.json'));
    const res = await loadResults(path.join(dir, 'results-bbox.json'), gt);
    expect(res.detectionArea).toBe('bbox');
    const r = cocoEvalSegm({ images: gt.images, categories: gt.categories, gt: gt.annotations, dets: res.detections });
    expect(r.stats).toEqual(bboxExpected.stats);
    // Only the size-range numbers differ from the mask-area run, so the bboxes really moved detections.
    const moved = bboxExpected.stats.map((v, i) => v !== expected.stats[i]);
    expect(moved).toEqual([false, false, false, true, true, true, false, false, false, false, false, false]);

    // The same detections as a dataset whose annotations' area is the bbox w·h: COCO() gives the same.
    const list = JSON.parse(readFileSync(path.join(dir, 'results-bbox.json'), 'utf8')) as { bbox: number[] }[];
    const gtJson = JSON.parse(readFileSync(path.join(dir, 'gt.json'), 'utf8')) as { images: unknown[]; categories: unknown[] };
    const dataset = { images: gtJson.images, categories: gtJson.categories, annotations: list.map((d, i) => ({ ...d, id: i + 1, iscrowd: 0, area: d.bbox[2] * d.bbox[3] })) };
    const file = path.join(tmp.dir, 'results-bbox.dataset.json');
    writeFileSync(file, JSON.stringify(dataset));
    const ds = await loadResults(file, gt);
    expect(ds.detectionArea).toBe('annotation');
    expect(cocoEvalSegm({ images: gt.images, categories: gt.categories, gt: gt.annotations, dets: ds.detections }).stats).toEqual(bboxExpected.stats);
  });

  it('from the same detections as JSONL (matched by seq = image_id - 1)', async () => {
    const list = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as {
      image_id: number; category_id: number; score: number; segmentation: { size: [number, number]; counts: string };
    }[];
    // One line per frame; detections keep their relative order (ties are broken by order).
    const frames = new Map<number, unknown[]>();
    for (const d of list) {
      const inst = { classId: d.category_id, label: `c${d.category_id}`, score: d.score, box: [0, 0, 1, 1], mask: d.segmentation };
      (frames.get(d.image_id - 1) ?? frames.set(d.image_id - 1, []).get(d.image_id - 1)!).push(inst);
    }
    const lines = [...frames].sort((a, b) => a[0] - b[0]).map(([seq, instances]) =>
      JSON.stringify({ streamId: 's', seq, ptsMs: seq * 40, width: 160, height: 120, instances }));
    const file = path.join(tmp.dir, 'results.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const { r, unknown } = await evaluate(file);
    checkAgainstPycocotools(r, unknown);
  });
});
