import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { evalCommand } from '../../../src/commands/eval.js';
import { rleCountsToString } from '../../../src/core/rle.js';
import { tempDir } from '../../helpers.js';
import { rect } from './helpers.js';

const tmp = tempDir('eval-cmd');
afterAll(() => tmp.cleanup());
const at = (name: string): string => path.join(tmp.dir, name);

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

// One 10x10 frame (seq 0): class 1 'disc' GT 6x10 = 60 px found at IoU 0.6 by a 10x10 det;
// class 2 'box' GT 5x5 found exactly. Hand values: disc AP 3/10 = 0.300, AP50 1, AP75 0,
// mIoU 0.6, Dice 0.75; box AP 1, mIoU 1, Dice 1; overall AP (0.3 + 1)/2 = 0.650,
// mIoU (0.6 + 1)/2 = 0.8, Dice (0.75 + 1)/2 = 0.875.
const g1 = rect(10, 10, 0, 0, 6, 10);
const d1 = rect(10, 10, 0, 0, 10, 10);
const g2 = rect(10, 10, 0, 0, 5, 5);
const seg = (m: typeof g1) => ({ size: m.size, counts: rleCountsToString(m.counts) });
writeFileSync(at('gt.json'), JSON.stringify({
  images: [{ id: 1, seq: 0, width: 10, height: 10 }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, segmentation: seg(g1), area: 60, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 2, segmentation: seg(g2), area: 25, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'disc' }, { id: 2, name: 'box' }],
}));
writeFileSync(at('results.jsonl'), JSON.stringify({
  streamId: 's', seq: 0, ptsMs: 0, width: 10, height: 10,
  instances: [
    { classId: 1, label: 'disc', score: 0.9, box: [0, 0, 10, 10], mask: seg(d1) },
    { classId: 2, label: 'box', score: 0.8, box: [0, 0, 5, 5], mask: seg(g2) },
    { classId: 7, label: 'car', score: 0.5, box: [0, 0, 5, 5], mask: seg(g2) },
  ],
}) + '\n');

describe('segstream eval', () => {
  it('prints the overall numbers and a row per class', async () => {
    expect(await evalCommand(['--gt', at('gt.json'), '--results', at('results.jsonl')])).toBe(0);
    expect(out).toMatch(/AP 0\.650 {2}AP50 1\.000 {2}AP75 0\.500/); // AP75: disc 0, box 1
    expect(out.split('\n')[0]).toMatch(/\(jsonl, detection area = mask pixels\)/);
    const row = (name: string) => out.split('\n').find((l) => l.startsWith(name))!.trim().split(/\s+/);
    // class, AP, AP50, AP75, mIoU, Dice, GT, dets, TP, FP, FN
    expect(row('1 disc')).toEqual(['1', 'disc', '0.300', '1.000', '0.000', '0.600', '0.750', '1', '1', '1', '0', '0']);
    expect(row('2 box')).toEqual(['2', 'box', '1.000', '1.000', '1.000', '1.000', '1.000', '1', '1', '1', '0', '0']);
    expect(row('all')).toEqual(['all', '0.650', '1.000', '0.500', '0.800', '0.875', '2', '2', '2', '0', '0']);
    expect(err).toMatch(/warning: 1 detection\(s\) of class 7 'car': no such ground-truth category/);
  });

  it('--json writes every metric', async () => {
    expect(await evalCommand(['eval', '--gt', at('gt.json'), '--results', at('results.jsonl'), '--json', at('m.json')])).toBe(0);
    const m = JSON.parse(readFileSync(at('m.json'), 'utf8'));
    expect(m.resultsFormat).toBe('jsonl');
    expect(m.ap).toBeCloseTo(0.65, 12);
    expect(m.stats).toHaveLength(12);
    expect(m.meanDice).toBeCloseTo(0.875, 12);
    expect(m.categories[0]).toMatchObject({ id: 1, name: 'disc', meanIou: 0.6, gt: 1, detections: 1, matched: 1 });
    expect(m.input.unknownClasses).toEqual([{ id: 7, label: 'car', detections: 1 }]);
    expect(m.input.detectionArea).toBe('mask');
    expect(out).toContain('1 disc'); // the table still goes to stdout
  });

  it('a COCO results list with bboxes: the table says the areas are bbox w*h', async () => {
    // The same detections as the --coco writer lists them (xywh bbox = the JSONL box).
    const list = [
      { image_id: 1, category_id: 1, segmentation: seg(d1), score: 0.9, bbox: [0, 0, 10, 10] },
      { image_id: 1, category_id: 2, segmentation: seg(g2), score: 0.8, bbox: [0, 0, 5, 5] },
    ];
    writeFileSync(at('results.json'), JSON.stringify(list));
    expect(await evalCommand(['--gt', at('gt.json'), '--results', at('results.json')])).toBe(0);
    expect(out.split('\n')[0]).toMatch(/\(coco-results, detection area = bbox w\*h\)/);
    expect(out).toMatch(/AP 0\.650 /); // areas agree with the masks here, so the numbers too
  });

  it('--json - prints JSON instead of the table', async () => {
    expect(await evalCommand(['--gt', at('gt.json'), '--results', at('results.jsonl'), '--json', '-'])).toBe(0);
    expect(JSON.parse(out).ap50).toBeCloseTo(1, 12);
  });

  it('usage errors return 2', async () => {
    expect(await evalCommand(['--results', at('results.jsonl')])).toBe(2);
    expect(err).toMatch(/^segstream: error: missing --gt/);
    expect(await evalCommand(['--gt', at('gt.json')])).toBe(2);
    expect(await evalCommand(['--gt', at('gt.json'), '--results', at('results.jsonl'), '--bogus'])).toBe(2);
    expect(await evalCommand(['--gt', at('gt.json'), '--results', at('results.jsonl'), 'extra'])).toBe(2);
    expect(await evalCommand(['--help'])).toBe(0);
    expect(out).toContain('Usage: segstream eval');
  });

  it('bad input returns 1 with a one-line error', async () => {
    expect(await evalCommand(['--gt', at('missing.json'), '--results', at('results.jsonl')])).toBe(1);
    expect(err).toMatch(/^segstream: error: cannot read ground truth .*missing.json: no such file\n$/);
    writeFileSync(at('broken.jsonl'), '{"seq": 0, "instances": [\n');
    err = '';
    expect(await evalCommand(['--gt', at('gt.json'), '--results', at('broken.jsonl')])).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/error: results .*broken.jsonl is not valid JSON/);
    err = '';
    expect(await evalCommand(['--gt', at('results.jsonl'), '--results', at('results.jsonl')])).toBe(1);
    expect(err).toMatch(/error: ground truth .*: 'images' must be a list/);
  });
});
