import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makeTestClip, probeVideo } from '../../src/core/media/test-clip.js';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { rleCountsFromString, decodeRle, rleArea } from '../../src/core/rle.js';
import { comparable, readJsonl, seqs } from './jsonl.js';
import { deleteKeys, hasSharedMedia, makeSynthClipWithAudio, REDIS_URL, runCli, sharedMedia, tempDir, testPrefix } from '../helpers.js';

/** Per-frame MD5s of a video's decoded pixels: equal lists mean identical pictures. */
function frameHashes(file: string): string[] {
  const out = execFileSync(ffmpegPath(), ['-v', 'error', '-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
}

const tmp = tempDir('run');
const clip = path.join(tmp.dir, 'clip.mp4');
const prefix = testPrefix();

beforeAll(async () => {
  // 3 s of the synthetic shapes the bundled model was trained on, at 10 fps, with an audio track.
  await makeSynthClipWithAudio(clip, { seed: 11, frames: 30 });
});
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

describe('segstream run (one process)', () => {
  it('writes an annotated MP4 with the input frame count, duration and audio, plus JSONL for every frame', async () => {
    const out = path.join(tmp.dir, 'mem.mp4');
    const r = await runCli(['run', clip, '-o', out, '--score', '0.3', '--coco', path.join(tmp.dir, 'mem.coco.json')]);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const src = await probeVideo(clip);
    const got = await probeVideo(out);
    expect(got.frames).toBe(src.frames);
    expect(Math.abs(got.durationMs - src.durationMs)).toBeLessThanOrEqual(1);
    expect(got.hasAudio).toBe(true);
    expect([got.width, got.height]).toEqual([320, 240]);

    const lines = readJsonl(path.join(tmp.dir, 'mem.jsonl'));
    expect(seqs(lines)).toEqual([...Array(src.frames).keys()]);
    lines.forEach((l, i) => expect(l.ptsMs).toBeCloseTo(i * 100, 3));
    // Every synthetic frame holds 2-6 shapes: the trained bundled model must find some in most frames.
    const withInstances = lines.filter((l) => l.instances.length > 0);
    expect(withInstances.length).toBeGreaterThan(lines.length * 0.8);
    const inst = withInstances[0].instances[0];
    expect(['disc', 'box', 'triangle', 'star']).toContain(inst.label);
    const mask = decodeRle({ size: inst.mask.size, counts: rleCountsFromString(inst.mask.counts) });
    expect(mask.length).toBe(320 * 240);
    expect(rleArea({ size: inst.mask.size, counts: rleCountsFromString(inst.mask.counts) })).toBeGreaterThan(0);
    expect(inst.score).toBeGreaterThanOrEqual(0.3);

    // --coco: the loadRes list, one entry per instance, and the dataset beside it.
    const coco = JSON.parse(readFileSync(path.join(tmp.dir, 'mem.coco.json'), 'utf8')) as { image_id: number; category_id: number; bbox: number[]; segmentation: { counts: string } }[];
    expect(coco.length).toBe(lines.reduce((n, l) => n + l.instances.length, 0));
    expect(coco[0]).toMatchObject({ image_id: withInstances[0].seq + 1, category_id: inst.classId });
    expect(typeof coco[0].segmentation.counts).toBe('string');
    const dataset = JSON.parse(readFileSync(path.join(tmp.dir, 'mem.coco.dataset.json'), 'utf8')) as { images: unknown[]; annotations: unknown[]; categories: unknown[] };
    expect(dataset.images).toHaveLength(src.frames);
    expect(dataset.annotations).toHaveLength(coco.length);
  });

  it('gives the same results and pictures through Redis (--redis) as in memory', async () => {
    const out = path.join(tmp.dir, 'redis.mp4');
    const r = await runCli(['run', clip, '-o', out, '--score', '0.3', '--redis', REDIS_URL], { env: { SEGSTREAM_REDIS_PREFIX: prefix } });
    expect(r.code, r.stderr).toBe(0);
    expect(comparable(readJsonl(path.join(tmp.dir, 'redis.jsonl')))).toEqual(comparable(readJsonl(path.join(tmp.dir, 'mem.jsonl'))));
    expect(frameHashes(out)).toEqual(frameHashes(path.join(tmp.dir, 'mem.mp4')));
  });

  it('keeps frame count and duration on a fractional rate (30000/1001)', async () => {
    const ntsc = path.join(tmp.dir, 'ntsc.mp4');
    await makeTestClip(ntsc, { width: 320, height: 180, fps: '30000/1001', seconds: 2 });
    const out = path.join(tmp.dir, 'ntsc-out.mp4');
    const r = await runCli(['run', ntsc, '-o', out, '--no-audio']);
    expect(r.code, r.stderr).toBe(0);
    const src = await probeVideo(ntsc);
    const got = await probeVideo(out);
    expect(got.frames).toBe(src.frames);
    expect(Math.abs(got.durationMs - src.durationMs)).toBeLessThanOrEqual(1);
    const lines = readJsonl(path.join(tmp.dir, 'ntsc-out.jsonl'));
    expect(lines[30].ptsMs).toBeCloseTo(30 * 1001 / 30, 2); // source PTS, not seq × 1/fps rounded
  });

  it.skipIf(!hasSharedMedia)('keeps the odd 29.83 fps timing of bottles.mp4 (first 120 frames)', async () => {
    const out = path.join(tmp.dir, 'bottles.mp4');
    const r = await runCli(['run', path.join(sharedMedia, 'bottles.mp4'), '-o', out, '--max-frames', '120']);
    expect(r.code, r.stderr).toBe(0);
    const got = await probeVideo(out);
    expect(got.frames).toBe(120);
    // 120 frames of 384/11456 s each (the clip's real frame duration).
    expect(Math.abs(got.durationMs - (120 * 384 * 1000) / 11456)).toBeLessThanOrEqual(1);
    const lines = readJsonl(path.join(tmp.dir, 'bottles.jsonl'));
    expect(lines[119].ptsMs).toBeCloseTo((119 * 384 * 1000) / 11456, 2);
  });
});
