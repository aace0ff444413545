import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRleOnes, rleCountsFromString } from '../../src/core/rle.js';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { runCli, tempDir } from '../helpers.js';

/**
 * `segstream eval --gt DIR` (PNG label maps) end to end: the synth clip's COCO GT painted into
 * per-frame label maps (category id, crowd 255, later annotations over earlier ones, as the COCO
 * path paints them) and written as PNGs by ffmpeg, numbered from 1 as ffmpeg numbers them; the
 * same semantic results scored against the folder and against the COCO GT must agree.
 */
const tmp = tempDir('sem-png');
afterAll(() => tmp.cleanup());

interface CocoGt {
  images: { id: number; seq: number; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; iscrowd?: number; segmentation: { size: [number, number]; counts: string } }[];
}

/** The frames' label maps, one after another: category id, crowd 255, later annotations over earlier ones. */
function labelMaps(gt: CocoGt, frames: CocoGt['images'], W: number, H: number): Uint8Array {
  const raw = new Uint8Array(W * H * frames.length), mask = new Uint8Array(W * H);
  frames.forEach((im, k) => {
    const map = raw.subarray(k * W * H, (k + 1) * W * H);
    for (const a of gt.annotations.filter((x) => x.image_id === im.id)) {
      mask.fill(0);
      decodeRleOnes({ size: a.segmentation.size, counts: rleCountsFromString(a.segmentation.counts) }, mask);
      for (let i = 0; i < mask.length; i++) if (mask[i]) map[i] = a.iscrowd ? 255 : a.category_id;
    }
  });
  return raw;
}

describe('eval against a folder of PNG label maps', () => {
  it('gives the same semantic scores as the COCO ground truth it was made from', async () => {
    const clip = path.join(tmp.dir, 'clip.mp4');
    expect((await runCli(['synth', '--seed', '4244', '--frames', '12', '-o', clip])).code).toBe(0);
    const out = path.join(tmp.dir, 'sem.mp4');
    const r = await runCli(['run', clip, '-o', out, '--task', 'semantic', '--threads', '1'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const gt = JSON.parse(readFileSync(clip.replace(/\.mp4$/, '.json'), 'utf8')) as CocoGt;
    const { width: W, height: H } = gt.images[0];
    const frames = [...gt.images].sort((a, b) => a.seq - b.seq);
    expect(frames.map((im) => im.seq)).toEqual(frames.map((_, k) => k));
    const raw = labelMaps(gt, frames, W, H);
    const dir = path.join(tmp.dir, 'gt-png');
    mkdirSync(dir);
    execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${W}x${H}`, '-i', '-', path.join(dir, '%06d.png')], { input: raw });
    expect(readdirSync(dir)).toHaveLength(frames.length);
    expect(readdirSync(dir).sort()[0]).toBe('000001.png');

    const results = path.join(tmp.dir, 'sem.jsonl');
    const score = async (gtArg: string) => {
      const e = await runCli(['eval', '--gt', gtArg, '--results', results, '--json', '-']);
      expect(e.code, e.stderr).toBe(0);
      return (JSON.parse(e.stdout) as { semantic: { classes: { iou: number | null }[] } & Record<string, unknown> }).semantic;
    };
    const fromCoco = await score(clip.replace(/\.mp4$/, '.json'));
    const fromPng = await score(dir);
    expect(fromPng.frames).toBe(frames.length);
    expect(fromPng.meanIou).toBeGreaterThan(0.5); // a real map, not all background
    // The COCO GT lists every category; the PNG folder only the ids up to the highest that occurs.
    expect(fromPng.classes.filter((c) => c.iou !== null)).toEqual(fromCoco.classes.filter((c) => c.iou !== null));
    for (const k of ['meanIou', 'meanDice', 'pixelAccuracy', 'frequencyWeightedIou', 'pixels', 'ignoredPixels', 'frames']) expect(fromPng[k], k).toBe(fromCoco[k]);
  }, 200_000);

  it('scores a batch of photos against label maps named like them (VOC style)', async () => {
    const clip = path.join(tmp.dir, 'photos-clip.mp4');
    expect((await runCli(['synth', '--seed', '4245', '--frames', '5', '-o', clip])).code).toBe(0);
    const gt = JSON.parse(readFileSync(clip.replace(/\.mp4$/, '.json'), 'utf8')) as CocoGt;
    const { width: W, height: H } = gt.images[0];
    const frames = [...gt.images].sort((a, b) => a.seq - b.seq).filter((im) => im.seq % 2 === 0); // seq 0, 2, 4
    // Photos: those frames as lossless PNGs, f1.png f2.png f3.png; their maps under the same names.
    const photos = path.join(tmp.dir, 'photos'), labels = path.join(tmp.dir, 'labels');
    mkdirSync(photos);
    mkdirSync(labels);
    execFileSync(ffmpegPath(), ['-v', 'error', '-i', clip, '-vf', 'select=not(mod(n\\,2))', '-vsync', '0', path.join(photos, 'f%d.png')]);
    expect(readdirSync(photos).sort()).toEqual(['f1.png', 'f2.png', 'f3.png']);
    const raw = labelMaps(gt, frames, W, H);
    execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${W}x${H}`, '-i', '-', path.join(labels, 'f%d.png')], { input: raw });
    const out = path.join(tmp.dir, 'photos-out');
    const r = await runCli(['run', photos, '-o', `${out}/`, '--task', 'semantic', '--threads', '1'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.jsonl')).sort()).toEqual(['f1.jsonl', 'f2.jsonl', 'f3.jsonl']);

    const e = await runCli(['eval', '--gt', labels, '--results', out, '--json', '-']);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout) as { batch: Record<string, unknown>; semantic: { frames: number; pixels: number; ignoredPixels: number; meanIou: number } };
    expect(report.batch).toEqual({ scored: 3, withoutGt: [], gtWithoutResults: [] });
    expect(report.semantic.frames).toBe(3);
    expect(report.semantic.pixels + report.semantic.ignoredPixels).toBe(3 * W * H);
    // Maps paired with the wrong photos would score far lower: the shapes move between frames.
    expect(report.semantic.meanIou).toBeGreaterThan(0.85);
  }, 200_000);
});
