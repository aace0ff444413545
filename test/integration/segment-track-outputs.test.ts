import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../helpers.js';
import { checkSegmentTrackFiles } from './segment-track-files.js';

const tmp = tempDir('segtracks');
const clip = tmp.file('synth.mp4');
beforeAll(async () => {
  const r = await runCli(['synth', '--seed', '4243', '--frames', '120', '-o', clip]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('--mot, --cvat and zones with --segment', () => {
  it('give every segment its own MOT, CVAT and events file named like its JSONL, numbered from its first frame, deleted with it by retention', async () => {
    const dir = tmp.file('rec');
    const r = await runCli(['run', clip, '-o', path.join(dir, '{index}.mp4'), '--segment', '2', '--threads', '1',
      '--mot', path.join(dir, '{index}.mot.txt'), '--cvat', path.join(dir, '{index}.cvat.xml'),
      '--line', 'mid:0.5,0,0.5,1', '--zone', 'left:0,0,0.5,0,0.5,1,0,1', '--keep-gb', '0.0004'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const deleted = [...r.stderr.matchAll(/retention: deleted segment (\d+)/g)].map((m) => Number(m[1]));
    expect(deleted.length).toBeGreaterThan(0); // a segment with its track files is ~180 kB here: 2 fit
    const names = readdirSync(dir).filter((f) => !f.startsWith('.'));
    for (const i of deleted) expect(names.filter((f) => f.startsWith(String(i).padStart(5, '0')))).toEqual([]);
    const videos = names.filter((f) => f.endsWith('.mp4')).sort();
    expect(videos.length).toBe(6 - deleted.length); // 120 frames at 10 fps in 2 s segments
    let mot = 0, events = 0;
    for (const v of videos) {
      for (const ext of ['.jsonl', '.mot.txt', '.cvat.xml', '.events.jsonl']) expect(existsSync(path.join(dir, v.replace(/\.mp4$/, ext))), v + ext).toBe(true);
      const got = checkSegmentTrackFiles(path.join(dir, v));
      expect(got.lines.length).toBe(20);
      mot += got.mot;
      events += got.events;
    }
    expect(mot).toBeGreaterThan(0);
    expect(events).toBeGreaterThan(0);
  }, 320_000);

  it.each([
    [['--mot', 'elsewhere/{index}.txt'], /--mot 'elsewhere\/\{index\}\.txt' with --segment must be the -o pattern with its own extension, e.g. '.*\{index\}\.mot\.txt'/],
    [['--cvat', '{index}.jsonl'], /--cvat '.*' with --segment must be the -o pattern/],
    [['--mot', '{index}.x.txt', '--cvat', '{index}.x.txt'], /would name the same files/],
    [['--cvat-shapes', 'polygon'], /--cvat-shapes needs --cvat/],
    [['--cvat', '{index}.xml', '--cvat-shapes', 'dots'], /invalid --cvat-shapes 'dots': expected polygon, box, mask/],
  ])('refuses %j with one usage error line', async (extra, pattern) => {
    const withDir = extra.map((a, i) => (extra[i - 1] === '--mot' || extra[i - 1] === '--cvat') && !a.startsWith('elsewhere') ? path.join(tmp.dir, a) : a);
    const r = await runCli(['run', clip, '-o', path.join(tmp.dir, '{index}.mp4'), '--segment', '2', ...withDir]);
    expect(r.code, r.stderr).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('segstream: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(pattern);
  });
});
