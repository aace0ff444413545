import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { probeVideo } from '../../src/core/media/test-clip.js';
import { readJsonl, seqs } from './jsonl.js';
import { hasSharedMedia, runCli, sharedMedia, tempDir } from '../helpers.js';

const tmp = tempDir('segments');
afterAll(() => tmp.cleanup());

describe.skipIf(!hasSharedMedia)('--segment on real footage', () => {
  it('cuts parking-lot.mp4 into 10 s MP4s that hold every frame once and add up to its duration, each with its audio', async () => {
    const input = path.join(sharedMedia, 'parking-lot.mp4'); // 12.5 fps, 377 frames, AAC audio
    const dir = tmp.file('whole');
    const r = await runCli(['run', input, '-o', path.join(dir, 'rec.mp4'), '--segment', '10', '--threads', '1'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const src = await probeVideo(input);
    const videos = readdirSync(dir).filter((f) => f.endsWith('.mp4')).sort();
    expect(videos).toEqual(['rec-00000.mp4', 'rec-00001.mp4', 'rec-00002.mp4', 'rec-00003.mp4']);
    const probes = await Promise.all(videos.map((v) => probeVideo(path.join(dir, v))));
    // 10 s at 12.5 fps = 125 frames; the rest (377 - 375) in the last.
    expect(probes.map((p) => p.frames)).toEqual([125, 125, 125, 2]);
    expect(probes.reduce((n, p) => n + p.frames, 0)).toBe(src.frames);
    const summed = probes.reduce((n, p) => n + p.durationMs, 0);
    expect(Math.abs(summed - src.durationMs)).toBeLessThanOrEqual(1);
    for (const p of probes.slice(0, 3)) expect(Math.abs(p.durationMs - 10_000)).toBeLessThanOrEqual(1);
    for (const p of probes) {
      expect(p.hasAudio).toBe(true);
      // The container lasts as long as its longest track: audio trimmed to the segment's span.
      expect(Math.abs(p.containerDurationMs! - p.durationMs)).toBeLessThanOrEqual(60);
    }
    // Each video's JSONL holds its own frames; together every seq exactly once, in order.
    const perFile = videos.map((v) => readJsonl(path.join(dir, v.replace(/\.mp4$/, '.jsonl'))));
    expect(perFile.map((l) => l.length)).toEqual([125, 125, 125, 2]);
    expect(perFile.flatMap((l) => seqs(l))).toEqual([...Array(src.frames).keys()]);
  }, 320_000);

  it('names segments from a {stream}/{index}-{start} pattern and deletes the oldest past --keep-gb', async () => {
    const input = path.join(sharedMedia, 'parking-lot.mp4');
    const root = tmp.file('pattern');
    const r = await runCli(['run', input, '-o', path.join(root, '{stream}', '{index}-{start}.mp4'), '--segment', '2', '--max-frames', '150',
      '--keep-gb', '0.0003', '--threads', '1'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const [stream] = readdirSync(root).filter((f) => !f.startsWith('.')); // the index lives above the {stream} folders
    expect(stream).toMatch(/^run-/);
    const dir = path.join(root, stream!);
    const videos = readdirSync(dir).filter((f) => f.endsWith('.mp4')).sort();
    for (const v of videos) expect(v).toMatch(/^\d{5}-\d{8}T\d{6}Z\.mp4$/);
    // 150 frames in 2 s segments of 25 frames: 6 segments, numbered 00000-00005; the oldest went.
    const deleted = [...r.stderr.matchAll(/retention: deleted segment (\d+)/g)].map((m) => Number(m[1]));
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted).toEqual([...Array(deleted.length).keys()]); // oldest first
    const left = videos.map((v) => Number(v.slice(0, 5)));
    expect(left).toEqual([...Array(6 - deleted.length).keys()].map((i) => i + deleted.length));
    expect(left.at(-1)).toBe(5); // the newest is kept
    const bytes = readdirSync(dir).filter((f) => !f.startsWith('.')).reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(300_000);
    for (const v of videos) expect((await probeVideo(path.join(dir, v))).frames).toBe(25);
  }, 320_000);

  it.each([
    [['--keep-gb', '1'], /--keep-gb needs --segment/],
    [['--segment', '10', '--coco', 'c.json'], /--coco cannot be combined with --segment/],
    [['--segment', '10', '--results', 'r.jsonl'], /--results cannot be combined with --segment/],
    [['--segment', '0'], /invalid --segment '0'/],
    [['--segment', '10', '-o', 'rec/{camera}.mp4'], /unknown token '\{camera\}'/],
    [['--segment', '10', '-o', 'rec/{stream}.mp4'], /names every segment alike: add \{index\} or \{start\}/],
  ])('refuses %j with one usage error line', async (extra, pattern) => {
    const args = ['run', path.join(sharedMedia, 'parking-lot.mp4'), ...(extra.includes('-o') ? [] : ['-o', tmp.file('bad.mp4')]), ...extra];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('segstream: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
