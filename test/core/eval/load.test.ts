import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvalInputError, loadGroundTruth, loadResults, parseGroundTruth, type GroundTruth } from '../../../src/core/eval/load.js';
import { decodeRle, rleCountsToString } from '../../../src/core/rle.js';
import { tempDir } from '../../helpers.js';
import { rect } from './helpers.js';

const tmp = tempDir('eval-load');
afterAll(() => tmp.cleanup());
let n = 0;
function file(content: string, ext = 'json'): string {
  const p = path.join(tmp.dir, `f${n++}.${ext}`);
  writeFileSync(p, content);
  return p;
}

const m1 = rect(10, 8, 0, 0, 4, 4); // 16 px on a 10 wide × 8 high frame
const m2 = rect(10, 8, 5, 2, 10, 8); // 30 px
const seg = (m: typeof m1) => ({ size: m.size, counts: rleCountsToString(m.counts) });

/** Two frames (seq 0, 1 → ids 1, 2), classes 1 'disc' and 2 'box'. */
function gtJson(): Record<string, unknown> {
  return {
    images: [
      { id: 1, seq: 0, width: 10, height: 8, file_name: 'clip#0' },
      { id: 2, seq: 1, width: 10, height: 8 },
    ],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, segmentation: seg(m1), area: 16, bbox: [0, 0, 4, 4], iscrowd: 0 },
      { id: 2, image_id: 2, category_id: 2, segmentation: seg(m2), area: 30, bbox: [5, 2, 5, 6], iscrowd: 0 },
    ],
    categories: [{ id: 1, name: 'disc' }, { id: 2, name: 'box' }],
  };
}
const gtOf = (j = gtJson()): GroundTruth => parseGroundTruth(j);

describe('parseGroundTruth', () => {
  it('reads images, categories and RLE annotations', () => {
    const g = gtOf();
    expect(g.images).toEqual([
      { id: 1, seq: 0, width: 10, height: 8, fileName: 'clip#0' },
      { id: 2, seq: 1, width: 10, height: 8 },
    ]);
    expect(g.categories).toEqual([{ id: 1, name: 'disc' }, { id: 2, name: 'box' }]);
    expect(g.annotations[0]).toMatchObject({ id: 1, imageId: 1, categoryId: 1, area: 16, iscrowd: false });
    expect(decodeRle(g.annotations[1].mask)).toEqual(decodeRle(m2));
  });

  it('defaults: seq = id - 1, area from the mask, uncompressed counts, iscrowd 0', () => {
    const j = gtJson();
    (j.images as Record<string, unknown>[]).forEach((im) => delete im.seq);
    const a = (j.annotations as Record<string, unknown>[])[0];
    delete a.area;
    delete a.iscrowd;
    a.segmentation = { size: m1.size, counts: m1.counts };
    const g = gtOf(j);
    expect(g.images.map((im) => im.seq)).toEqual([0, 1]);
    expect(g.annotations[0]).toMatchObject({ area: 16, iscrowd: false }); // 4×4
  });

  it('rejects what it cannot evaluate, naming the annotation', () => {
    const bad = (edit: (j: Record<string, any>) => void): string => {
      const j = gtJson();
      edit(j);
      try {
        parseGroundTruth(j, 'gt');
      } catch (err) {
        expect(err).toBeInstanceOf(EvalInputError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad((j) => (j.annotations[0].segmentation = [[0, 0, 4, 0, 4, 4]]))).toMatch(/annotation 1: polygon segmentation is not supported/);
    expect(bad((j) => (j.annotations[0].segmentation.size = [10, 8]))).toMatch(/mask size 8x10 differs from the image size 10x8/);
    expect(bad((j) => (j.annotations[0].category_id = 7))).toMatch(/category_id 7 is not in categories/);
    expect(bad((j) => (j.annotations[0].image_id = 9))).toMatch(/image_id 9 is not in images/);
    expect(bad((j) => (j.annotations[1].id = 1))).toMatch(/annotation 1: id appears twice/);
    expect(bad((j) => (j.images[1].seq = 0))).toMatch(/two images have seq 0/);
    expect(bad((j) => (j.annotations[0].segmentation.counts = [0, 5]))).toMatch(/RLE covers 5 pixels, the mask has 80/);
    expect(bad((j) => (j.annotations[0].iscrowd = 2))).toMatch(/iscrowd must be 0 or 1/);
    expect(bad((j) => delete j.categories)).toMatch(/'categories' must be a list/);
  });

  it('loadGroundTruth: one-line errors for missing and invalid files', async () => {
    await expect(loadGroundTruth(path.join(tmp.dir, 'nope.json'))).rejects.toThrow(/cannot read ground truth .*nope.json: no such file/);
    await expect(loadGroundTruth(file('{"images": ['))).rejects.toThrow(/is not valid JSON/);
  });
});

describe('loadResults', () => {
  const inst = (classId: number, score: number, m: typeof m1, label = 'x') => ({ classId, label, score, box: [0, 0, 1, 1], mask: seg(m) });
  const line = (seq: number, instances: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ streamId: 's', seq, ptsMs: seq * 40, width: 10, height: 8, instances, ...extra });

  it('JSONL: frames matched by seq (image id = seq + 1)', async () => {
    const p = file([line(1, [inst(2, 0.9, m2)]), '', line(0, [inst(1, 0.8, m1), inst(1, 0.3, m2)])].join('\n'), 'jsonl');
    const r = await loadResults(p, gtOf());
    expect(r.format).toBe('jsonl');
    expect(r.frames).toBe(2);
    expect(r.detections.map((d) => [d.imageId, d.categoryId, d.score])).toEqual([[2, 2, 0.9], [1, 1, 0.8], [1, 1, 0.3]]);
    expect(decodeRle(r.detections[0].mask)).toEqual(decodeRle(m2));
  });

  it('JSONL: frames without GT, unknown classes and failed frames are counted, not evaluated', async () => {
    const p = file(
      [
        line(0, [inst(1, 0.8, m1), inst(5, 0.7, m1, 'car'), inst(5, 0.6, m2, 'car')]),
        line(1, [], { error: 'inference failed' }),
        line(7, [inst(1, 0.9, m1)]),
      ].join('\n'),
      'jsonl',
    );
    const r = await loadResults(p, gtOf());
    expect(r.detections).toHaveLength(1);
    expect(r.errorFrames).toBe(1);
    expect(r.framesWithoutGt).toBe(1); // seq 7
    expect(r.detectionsWithoutGt).toBe(1);
    expect(r.unknownClasses.get(5)).toEqual({ label: 'car', count: 2 });
  });

  it('JSONL: source lost/back event lines between the frames are skipped, not frames', async () => {
    const ev = (event: string, atSeq: number) => JSON.stringify({ event, streamId: 's', atSeq, ptsMs: 40, wallClock: '2026-12-01T10:00:00.000Z' });
    const p = file([line(0, [inst(1, 0.8, m1)]), ev('source-lost', 1), ev('source-back', 1), line(1, [inst(2, 0.9, m2)]), ev('source-lost', 2)].join('\n'), 'jsonl');
    const r = await loadResults(p, gtOf());
    expect(r.frames).toBe(2);
    expect(r.detections.map((d) => d.imageId)).toEqual([1, 2]);
  });

  it('JSONL: bad lines are one-line errors with the line number', async () => {
    const gt = gtOf();
    await expect(loadResults(file([line(0, []), '{"seq": 1,'].join('\n'), 'jsonl'), gt)).rejects.toThrow(/:2: invalid JSON/);
    await expect(loadResults(file([line(0, []), line(0, [])].join('\n'), 'jsonl'), gt)).rejects.toThrow(/:2: frame seq 0 appears twice/);
    await expect(loadResults(file(line(0, [{ ...inst(1, 0.5, m1), mask: { size: [4, 4], counts: 'P1' } }]), 'jsonl'), gt)).rejects.toThrow(
      /:1: instance 0: mask size 4x4 differs from the image size 10x8/,
    );
    await expect(loadResults(file(JSON.stringify({ seq: 0, width: 20, height: 8, instances: [] }), 'jsonl'), gt)).rejects.toThrow(/is 20x8, the ground truth image 10x8/);
    await expect(loadResults(file(line(0, [{ ...inst(1, 0.5, m1), score: 'high' }]), 'jsonl'), gt)).rejects.toThrow(/score must be a number/);
    await expect(loadResults(file(''), gt)).rejects.toThrow(/is empty/);
    await expect(loadResults(path.join(tmp.dir, 'missing.jsonl'), gt)).rejects.toThrow(/cannot read results .*missing.jsonl: no such file/);
  });

  it('a COCO results list (pycocotools loadRes format), matched by image_id', async () => {
    const list = [
      { image_id: 2, category_id: 2, segmentation: seg(m2), score: 0.9, bbox: [5, 2, 5, 6] },
      { image_id: 1, category_id: 1, segmentation: seg(m1), score: 0.8, bbox: [0, 0, 4, 4] },
      { image_id: 5, category_id: 1, segmentation: seg(m1), score: 0.8, bbox: [0, 0, 4, 4] }, // no such image
    ];
    const r = await loadResults(file(JSON.stringify(list, null, 2)), gtOf());
    expect(r.format).toBe('coco-results');
    expect(r.detectionArea).toBe('bbox'); // the first result has one: areas are bbox w·h
    expect(r.detections.map((d) => [d.imageId, d.categoryId, d.score, d.area])).toEqual([[2, 2, 0.9, 30], [1, 1, 0.8, 16]]);
    expect(r.framesWithoutGt).toBe(1);
    await expect(loadResults(file('[{"image_id": 1}]'), gtOf())).rejects.toThrow(/result \[0\]: category_id must be an integer/);
  });

  it('a COCO dataset with scored annotations, matched through its images’ seq', async () => {
    // Its image ids differ from the GT's (10, 11), its seq agree.
    const ds = {
      images: [{ id: 10, seq: 0, width: 10, height: 8 }, { id: 11, seq: 1, width: 10, height: 8 }],
      annotations: [{ id: 1, image_id: 11, category_id: 2, segmentation: seg(m2), score: 0.7, area: 30, iscrowd: 0 }],
      categories: [{ id: 2, name: 'box' }],
    };
    const r = await loadResults(file(JSON.stringify(ds, null, 2)), gtOf());
    expect(r.format).toBe('coco-dataset');
    expect(r.detections.map((d) => [d.imageId, d.categoryId, d.score])).toEqual([[2, 2, 0.7]]);
    // The GT itself (no scores) is not a results file.
    await expect(loadResults(file(JSON.stringify(gtJson())), gtOf())).rejects.toThrow(/has no score/);
  });
});
