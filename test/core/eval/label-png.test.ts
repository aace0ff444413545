import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeLabelPng, LabelPngError } from '../../../src/core/eval/label-png.js';
import { LabelPngFolder } from '../../../src/core/eval/label-png-folder.js';
import { evalCommand } from '../../../src/commands/eval.js';
import { encodeLabelRuns } from '../../../src/core/label-runs.js';
import { rleCountsToString } from '../../../src/core/rle.js';
import { ffmpegPath } from '../../../src/core/media/ffmpeg-path.js';
import { tempDir } from '../../helpers.js';
import { encodePng } from './png-writer.js';

const tmp = tempDir('label-png');
afterAll(() => tmp.cleanup());
let n = 0;
/** A new folder holding `files` (name -> bytes). */
function folder(files: Record<string, Uint8Array | string>): string {
  const dir = path.join(tmp.dir, `f${n++}`);
  mkdirSync(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
  return dir;
}
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('decodeLabelPng', () => {
  it('reads grayscale and palette PNGs of 1..8 bits, every row filter, split IDAT, as the sample values (palette: the index, not the colour)', () => {
    const rnd = lcg(9);
    for (const [colourType, bitDepth] of [[0, 8], [3, 8], [3, 4], [3, 2], [0, 1], [0, 4]] as const) {
      const W = 13, H = 7;
      const values = Array.from({ length: W * H }, () => Math.floor(rnd() * (1 << bitDepth)));
      const png = encodePng(W, H, values, { colourType, bitDepth, filters: [0, 1, 2, 3, 4], idatChunks: 3 });
      const img = decodeLabelPng(png);
      expect([img.width, img.height]).toEqual([W, H]);
      expect([...img.data], `colour ${colourType} depth ${bitDepth}`).toEqual(values);
    }
  });

  it('reads a grayscale PNG written by ffmpeg (its own row filters)', () => {
    const W = 37, H = 11;
    const raw = Uint8Array.from({ length: W * H }, (_, i) => (i % 5 === 0 ? 255 : (i * 7) % 23));
    const file = path.join(tmp.dir, 'ff.png');
    execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${W}x${H}`, '-i', '-', '-pred', 'mixed', file], { input: raw });
    const img = decodeLabelPng(readFileSync(file));
    expect(img.data).toEqual(raw);
  });

  it('refuses RGB, 16-bit and non-PNG input with a message saying what it is', () => {
    expect(() => decodeLabelPng(encodePng(2, 2, new Array(12).fill(1), { colourType: 2 }))).toThrow(/single-channel .* this one is RGB/);
    expect(() => decodeLabelPng(encodePng(2, 2, [1, 2, 3, 4], { bitDepth: 16 }))).toThrow(/8-bit or less, this PNG is 16-bit/);
    expect(() => decodeLabelPng(Buffer.from('GIF89a......'))).toThrow(LabelPngError);
  });

  it('decodes into a reused buffer', () => {
    const buf = new Uint8Array(100);
    const img = decodeLabelPng(encodePng(3, 2, [1, 2, 3, 4, 5, 6]), buf);
    expect(img.data.buffer).toBe(buf.buffer);
    expect([...img.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('LabelPngFolder: frame order', () => {
  const png = encodePng(1, 1, [0]);
  it('by the number in the names (from any start), else by name; dot files skipped', () => {
    expect(new LabelPngFolder(folder({ 'f_10.png': png, 'f_9.png': png, 'f_11.png': png, '.DS_Store': 'x' }), 'gt').files).toEqual(['f_9.png', 'f_10.png', 'f_11.png']);
    expect(new LabelPngFolder(folder({ 'b.png': png, 'a.png': png, 'c1.png': png }), 'gt').files).toEqual(['a.png', 'b.png', 'c1.png']);
  });
  it('a gap in the numbers is a missing frame; a non-PNG file is named', () => {
    expect(() => new LabelPngFolder(folder({ '000001.png': png, '000002.png': png, '000004.png': png }), 'gt')).toThrow(/gt .*: frame 3 is missing \(000004\.png follows 000002\.png\)/);
    const d = folder({ '000001.png': png, '000002.png': 'not a png' });
    expect(() => new LabelPngFolder(d, 'gt')).toThrow(`gt ${path.join(d, '000002.png')}: not a PNG file`);
  });
});

// Hand-computed case: 4x3, two ignored GT pixels.
//   GT            prediction
//   0 0 1 1       0 1 1 1
//   0 2 1 255     0 2 2 0
//   2 2 255 1     2 0 1 1
// Scored (gt, pred): gt0 -> 0,1,0; gt1 -> 1,1,2,1; gt2 -> 2,2,0. Confusion: [[2,1,0],[0,3,1],[1,0,2]].
// GT sums 3,4,3; pred sums 3,4,3; TP 2,3,2 of 10 scored pixels.
// IoU 2/4, 3/5, 2/4; Dice 4/6, 6/8, 4/6; mIoU 1.6/3; pixel accuracy 7/10; fwIoU .3*.5 + .4*.6 + .3*.5 = .54.
const W = 4, H = 3;
const GT = [0, 0, 1, 1, 0, 2, 1, 255, 2, 2, 255, 1];
const PRED = [0, 1, 1, 1, 0, 2, 2, 0, 2, 0, 1, 1];

/** One JSONL line per seq, each frame the W x H map `pred` (row-major), as `segstream run` writes it. */
function jsonlText(pred: number[], seqs: number[]): string {
  const col = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) col[x * H + y] = pred[y * W + x];
  const semantic = encodeLabelRuns(col, W * H, W, H, 3, ['background', 'disc', 'box']).map((r) => ({ ...r, mask: { size: r.mask.size, counts: rleCountsToString(r.mask.counts) } }));
  return seqs.map((seq) => JSON.stringify({ streamId: 's', seq, ptsMs: 0, width: W, height: H, instances: [], semantic })).join('\n') + '\n';
}

describe('segstream eval with PNG label maps', () => {
  let out = '', err = '';
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  const gtDir = folder({ '000001.png': encodePng(W, H, GT, { colourType: 3, filters: [4, 2, 1] }) });
  const jsonlFor = (pred: number[], seqs: number[]): string => {
    const file = path.join(tmp.dir, `r${n++}.jsonl`);
    writeFileSync(file, jsonlText(pred, seqs));
    return file;
  };
  const check = (report: { semantic: Record<string, unknown> & { classes: { iou: number; dice: number }[] } }) => {
    const s = report.semantic;
    expect(s.classes.map((c) => c.iou)).toEqual([2 / 4, 3 / 5, 2 / 4]);
    expect(s.classes.map((c) => c.dice)).toEqual([4 / 6, 6 / 8, 4 / 6]);
    expect(s.meanIou).toBeCloseTo(1.6 / 3, 14);
    expect(s.meanDice).toBeCloseTo((4 / 6 + 6 / 8 + 4 / 6) / 3, 14);
    expect(s.pixelAccuracy).toBe(0.7);
    expect(s.frequencyWeightedIou).toBeCloseTo(0.54, 14);
    expect([s.pixels, s.ignoredPixels, s.frames]).toEqual([10, 2, 1]);
  };

  it('JSONL results against a PNG GT folder: per-class IoU/Dice, mIoU, pixel accuracy, fwIoU as computed by hand; names from the JSONL', async () => {
    expect(await evalCommand(['--gt', gtDir, '--results', jsonlFor(PRED, [0]), '--json', '-'])).toBe(0);
    const report = JSON.parse(out);
    check(report);
    expect(report.gtFormat).toBe('png-label-maps');
    expect(report.semantic.classes.map((c: { name: string }) => c.name)).toEqual(['background', 'disc', 'box']);
  });

  it('a PNG prediction folder against the PNG GT folder: the same numbers', async () => {
    const predDir = folder({ 'frame_0.png': encodePng(W, H, PRED) });
    expect(await evalCommand(['--gt', gtDir, '--results', predDir, '--json', '-'])).toBe(0);
    const report = JSON.parse(out);
    check(report);
    expect(report.resultsFormat).toBe('png-label-maps');
  });

  it('bad input is one line naming the file: wrong size, missing frame, not a PNG', async () => {
    const line = () => err.trim().split('\n').filter((l) => l.startsWith('segstream: error:'));
    const small = folder({ 'a.png': encodePng(3, 3, new Array(9).fill(0)) });
    expect(await evalCommand(['--gt', small, '--results', jsonlFor(PRED, [0])])).toBe(1);
    expect(line()).toEqual([`segstream: error: gt ${path.join(small, 'a.png')}: label map is 3x3, frame 0 is 4x3`]);
    err = '';
    expect(await evalCommand(['--gt', gtDir, '--results', jsonlFor(PRED, [0, 1])])).toBe(1);
    expect(line()).toEqual([`segstream: error: gt ${gtDir}: no label map for frame 1 (the folder has 1: frames 0..0)`]);
    err = '';
    const rgb = folder({ 'x.png': encodePng(W, H, new Array(3 * W * H).fill(0), { colourType: 2 }) });
    expect(await evalCommand(['--gt', rgb, '--results', jsonlFor(PRED, [0])])).toBe(1);
    expect(line()[0]).toMatch(new RegExp(`^segstream: error: gt ${path.join(rgb, 'x.png').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a label map must be a single-channel`));
    err = '';
    const txt = folder({ '1.png': encodePng(W, H, GT), 'notes.txt': 'hello' });
    expect(await evalCommand(['--gt', txt, '--results', jsonlFor(PRED, [0])])).toBe(1);
    expect(line()).toHaveLength(1);
    expect(line()[0]).toContain(`${path.join(txt, 'notes.txt')}: not a PNG file`);
  });

  describe('a batch folder against PNG label maps by name', () => {
    /** A tree of files under a new folder (paths may hold '/'). */
    const tree = (files: Record<string, Uint8Array | string>): string => {
      const dir = path.join(tmp.dir, `t${n++}`);
      for (const [name, bytes] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), bytes);
      }
      return dir;
    };
    // Everything right, so a second map adds only to the pixel counts it must add to.
    const PERFECT = GT.map((v) => (v === 255 ? 0 : v));
    const gtPng = encodePng(W, H, GT, { colourType: 3 });

    it('pairs OUT/<name>.jsonl with GT/<name>.png (also in subfolders, and a video with GT/<name>/): one confusion matrix over all', async () => {
      const results = tree({
        'a.jsonl': jsonlText(PRED, [0]), 'a.jpg': 'the annotated photo, not a result',
        'sub/b.jsonl': jsonlText(PERFECT, [0]), 'clip.jsonl': jsonlText(PRED, [0, 1]),
        'c.jsonl': jsonlText(PRED, [0]), '.c.123.partial.jsonl': 'a batch in progress, never read',
      });
      const gt = tree({ 'a.png': gtPng, 'sub/b.png': gtPng, 'clip/000001.png': gtPng, 'clip/000002.png': gtPng, 'd.png': gtPng });
      expect(await evalCommand(['--gt', gt, '--results', results, '--json', '-']), err).toBe(0);
      const report = JSON.parse(out);
      expect(report.resultsFormat).toBe('batch-jsonl');
      expect(report.batch).toEqual({ scored: 3, withoutGt: ['c.jsonl'], gtWithoutResults: ['d.png'] });
      const s = report.semantic;
      // a and both clip frames: the hand-computed confusion [[2,1,0],[0,3,1],[1,0,2]] three times;
      // b: the diagonal (3, 4, 3). Summed: [[9,3,0],[0,13,3],[3,0,9]].
      expect(s.classes.map((c: { iou: number }) => c.iou)).toEqual([9 / 15, 13 / 19, 9 / 15]);
      expect(s.classes.map((c: { dice: number }) => c.dice)).toEqual([18 / 24, 26 / 32, 18 / 24]);
      expect(s.pixelAccuracy).toBe(31 / 40);
      expect([s.pixels, s.ignoredPixels, s.frames]).toEqual([40, 8, 4]);
      expect(s.classes.map((c: { name: string }) => c.name)).toEqual(['background', 'disc', 'box']);
      expect(err).toContain(`1 result file(s) have no label map of their name: not evaluated (c.jsonl: no ${path.join(gt, 'c.png')})`);
      expect(err).toContain(`1 label map(s) have no result of their name: not evaluated (${path.join(gt, 'd.png')})`);
    });

    it('the table says how many results were matched', async () => {
      const results = tree({ 'a.jsonl': jsonlText(PRED, [0]) });
      const gt = tree({ 'a.png': gtPng });
      expect(await evalCommand(['--gt', gt, '--results', results])).toBe(0);
      expect(out).toContain(`semantic evaluation of ${results} (1 results matched by name) against ${gt}`);
      expect(out).toContain('2 box');
    });

    it('bad input is one line: a COCO file as GT, no name in common, a photo map for a video, instance results', async () => {
      const line = () => err.trim().split('\n').filter((l) => l.startsWith('segstream: error:'));
      const results = tree({ 'a.jsonl': jsonlText(PRED, [0, 1]) });
      const coco = path.join(tree({ 'gt.json': '{}' }), 'gt.json');
      expect(await evalCommand(['--gt', coco, '--results', results])).toBe(1);
      expect(line()).toEqual([`segstream: error: results ${results} is a batch's folder (.jsonl files): its ground truth is a folder of PNG label maps named like the inputs (GT/<name>.png), not ${coco}; to score against a COCO file pass one JSONL`]);
      err = '';
      const other = tree({ 'z.png': gtPng });
      expect(await evalCommand(['--gt', other, '--results', results])).toBe(1);
      expect(line()).toEqual([`segstream: error: results ${results}: no result has a label map of its name under ${other} (looked for ${path.join(other, 'a.png')})`]);
      err = '';
      const photo = tree({ 'a.png': gtPng });
      expect(await evalCommand(['--gt', photo, '--results', results])).toBe(1);
      expect(line()).toEqual([`segstream: error: gt ${path.join(photo, 'a.png')}: one label map (frame 0), but the results have frame 1 (a video's maps go in a folder named like it)`]);
      err = '';
      const inst = tree({ 'a.jsonl': JSON.stringify({ streamId: 's', seq: 0, ptsMs: 0, width: W, height: H, instances: [] }) + '\n' });
      expect(await evalCommand(['--gt', photo, '--results', inst])).toBe(1);
      expect(line()).toEqual([`segstream: error: results ${inst}: the batch's results have no semantic maps (run it with --task semantic or --semantic-model)`]);
    });
  });
});
