import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CocoResultsWriter, datasetPathFor } from '../../../src/core/results/coco-writer.js';
import { cocoEvalSegm } from '../../../src/core/eval/coco-eval.js';
import { loadResults, parseGroundTruth } from '../../../src/core/eval/load.js';
import { decodeRle, encodeRle, rleCountsFromString, rleCountsToString } from '../../../src/core/rle.js';
import type { FrameResult, Instance, Rle } from '../../../src/core/types.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir('coco-writer');
afterAll(() => tmp.cleanup());
const at = (name: string): string => path.join(tmp.dir, name);

const W = 20;
const H = 12;
/** Rectangle x ∈ [x0, x1), y ∈ [y0, y1) on the W×H frame, its mask and matching box. */
function inst(classId: number, label: string, score: number, x0: number, y0: number, x1: number, y1: number): Instance {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  return { classId, label, score, box: [x0, y0, x1, y1], mask: encodeRle(m, W, H) };
}
const frame = (seq: number, instances: Instance[], error?: string): FrameResult => ({
  streamId: 's1', seq, ptsMs: seq * 40, width: W, height: H, instances, ...(error ? { error } : {}),
});

// Frame 0: a person (class 1) 4×5 = 20 px at (2,3) and a car (class 3) 6×4 = 24 px at (10,0).
// Frame 1: failed, no instances. Frame 2: one person 3×3 = 9 px at (0,0), score 0.12345 → 0.1235.
const frames = [
  frame(0, [inst(1, 'person', 0.9, 2, 3, 6, 8), inst(3, 'car', 0.75, 10, 0, 16, 4)]),
  frame(1, [], 'decode error'),
  frame(2, [inst(1, 'person', 0.12345, 0, 0, 3, 3)]),
];

async function writeAll(file: string, opts: ConstructorParameters<typeof CocoResultsWriter>[1], list = frames): Promise<void> {
  const w = new CocoResultsWriter(file, opts);
  for (const f of list) await w.write(f);
  await w.close();
}

interface ListEntry { image_id: number; category_id: number; segmentation: { size: [number, number]; counts: string }; score: number; bbox: number[] }

describe('CocoResultsWriter', () => {
  it('names the dataset file beside the results', () => {
    expect(datasetPathFor('/x/results.json')).toBe('/x/results.dataset.json');
    expect(datasetPathFor('/x/out.coco')).toBe('/x/out.coco.dataset.json');
  });

  it('writes the loadRes list: image_id = seq + 1, bbox xywh, counts as strings', async () => {
    await writeAll(at('a.json'), { videoName: 'clip.mp4' });
    const list = JSON.parse(readFileSync(at('a.json'), 'utf8')) as ListEntry[];
    expect(list).toHaveLength(3);
    expect(list.map((d) => [d.image_id, d.category_id, d.score])).toEqual([[1, 1, 0.9], [1, 3, 0.75], [3, 1, 0.1235]]);
    // box [2, 3, 6, 8] → [x, y, w, h] = [2, 3, 4, 5]; [10, 0, 16, 4] → [10, 0, 6, 4]; [0, 0, 3, 3] → [0, 0, 3, 3]
    expect(list.map((d) => d.bbox)).toEqual([[2, 3, 4, 5], [10, 0, 6, 4], [0, 0, 3, 3]]);
    const originals = [frames[0].instances[0], frames[0].instances[1], frames[2].instances[0]];
    list.forEach((d, i) => {
      expect(typeof d.segmentation.counts).toBe('string');
      expect(d.segmentation.size).toEqual([H, W]);
      const rle: Rle = { size: d.segmentation.size, counts: rleCountsFromString(d.segmentation.counts) };
      expect(decodeRle(rle)).toEqual(decodeRle(originals[i].mask));
    });
  });

  it('writes a COCO dataset beside it: images, categories, scored annotations', async () => {
    await writeAll(at('b.json'), { videoName: 'clip.mp4', categories: [{ id: 1, name: 'person' }, { id: 2, name: 'bicycle' }] });
    expect(existsSync(at('b.dataset.json.tmp'))).toBe(false);
    const ds = JSON.parse(readFileSync(at('b.dataset.json'), 'utf8'));
    expect(Object.keys(ds).sort()).toEqual(['annotations', 'categories', 'images', 'info', 'licenses']);
    // Every frame is an image, the failed one too.
    expect(ds.images).toEqual([
      { id: 1, seq: 0, width: W, height: H, file_name: 'clip.mp4#0' },
      { id: 2, seq: 1, width: W, height: H, file_name: 'clip.mp4#1' },
      { id: 3, seq: 2, width: W, height: H, file_name: 'clip.mp4#2' },
    ]);
    // The given list, plus class 3 seen with label 'car'.
    expect(ds.categories.map((c: { id: number; name: string }) => [c.id, c.name])).toEqual([[1, 'person'], [2, 'bicycle'], [3, 'car']]);
    expect(ds.annotations.map((a: Record<string, unknown>) => [a.id, a.image_id, a.category_id, a.area, a.iscrowd, a.score])).toEqual([
      [1, 1, 1, 20, 0, 0.9], // 4×5
      [2, 1, 3, 24, 0, 0.75], // 6×4
      [3, 3, 1, 9, 0, 0.1235], // 3×3
    ]);
    expect(ds.annotations[1].bbox).toEqual([10, 0, 6, 4]);
    expect(ds.annotations[1].segmentation.counts).toBe(rleCountsToString(frames[0].instances[1].mask.counts));
    // Consistent: every annotation's image and category exist.
    const imageIds = new Set(ds.images.map((i: { id: number }) => i.id));
    const catIds = new Set(ds.categories.map((c: { id: number }) => c.id));
    for (const a of ds.annotations) expect(imageIds.has(a.image_id) && catIds.has(a.category_id)).toBe(true);
    // And it is a valid ground truth for our own loader.
    expect(parseGroundTruth(ds).annotations).toHaveLength(3);
  });

  it('round trip: results → load → evaluate against a GT of the same masks → AP = 1', async () => {
    await writeAll(at('c.json'), { videoName: 'clip.mp4' });
    // GT: the same masks, as our synthetic generator would write them (image id = seq + 1).
    const anns = [
      { image_id: 1, m: frames[0].instances[0] },
      { image_id: 1, m: frames[0].instances[1] },
      { image_id: 3, m: frames[2].instances[0] },
    ].map(({ image_id, m }, i) => ({
      id: i + 1, image_id, category_id: m.classId, iscrowd: 0,
      segmentation: { size: m.mask.size, counts: rleCountsToString(m.mask.counts) },
      area: m.mask.counts.reduce((s, c, j) => (j % 2 ? s + c : s), 0),
    }));
    const gt = parseGroundTruth({
      images: [0, 1, 2].map((seq) => ({ id: seq + 1, seq, width: W, height: H })),
      annotations: anns,
      categories: [{ id: 1, name: 'person' }, { id: 3, name: 'car' }],
    });
    for (const file of [at('c.json'), at('c.dataset.json')]) {
      const res = await loadResults(file, gt);
      expect(res.format).toBe(file.endsWith('dataset.json') ? 'coco-dataset' : 'coco-results');
      const r = cocoEvalSegm({ images: gt.images, categories: gt.categories, gt: gt.annotations, dets: res.detections });
      // Every detection is its GT's exact mask: AP = 1 (less pycocotools' eps) in both classes.
      expect(r.ap).toBeCloseTo(1, 12);
      expect(r.meanIou).toBe(1);
      expect(r.counts).toMatchObject({ gt: 3, detections: 3, matched: 3, falsePositives: 0, misses: 0 });
    }
  });

  it('no frames: an empty list and a dataset without images', async () => {
    await writeAll(at('d.json'), { videoName: 'v' }, []);
    expect(JSON.parse(readFileSync(at('d.json'), 'utf8'))).toEqual([]);
    const ds = JSON.parse(readFileSync(at('d.dataset.json'), 'utf8'));
    expect([ds.images, ds.annotations, ds.categories]).toEqual([[], [], []]);
  });

  it('refuses a frame twice and writes after close', async () => {
    const w = new CocoResultsWriter(at('e.json'), { videoName: 'v' });
    await w.write(frames[0]);
    await expect(w.write(frames[0])).rejects.toThrow(/seq 0 written twice/);
    await w.close();
    await expect(w.write(frames[2])).rejects.toThrow(/after close/);
    await w.close(); // idempotent
  });

  it('reports a file it cannot create at once, naming it', () => {
    expect(() => new CocoResultsWriter(at('no/such/dir/f.json'), { videoName: 'v' }))
      .toThrow(`cannot write '${at('no/such/dir/f.json')}': ENOENT: no such file or directory`);
  });

  it('appears under its names only on commit; abort leaves old files as they were', async () => {
    writeFileSync(at('old.json'), 'old list');
    writeFileSync(at('old.dataset.json'), 'old dataset');
    const w = new CocoResultsWriter(at('old.json'), { videoName: 'v' });
    await w.write(frames[0]);
    await w.finish();
    expect(readFileSync(at('old.json'), 'utf8')).toBe('old list');
    w.abort();
    expect(readFileSync(at('old.json'), 'utf8')).toBe('old list');
    expect(readFileSync(at('old.dataset.json'), 'utf8')).toBe('old dataset');
    expect(readdirSync(tmp.dir).filter((n) => n.includes('.partial'))).toEqual([]);
    const w2 = new CocoResultsWriter(at('old.json'), { videoName: 'v' });
    await w2.write(frames[0]);
    await w2.close();
    expect(JSON.parse(readFileSync(at('old.json'), 'utf8'))).toHaveLength(2);
    expect(JSON.parse(readFileSync(at('old.dataset.json'), 'utf8')).images).toHaveLength(1);
  });
});
