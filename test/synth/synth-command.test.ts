import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { synthCommand } from '../../src/commands/synth.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'segstream-synth-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command, capturing what it writes to stderr. */
async function run(argv: string[]): Promise<{ code: number; err: string }> {
  const orig = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    err += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await synthCommand(argv), err };
  } finally {
    process.stderr.write = orig;
  }
}

describe('segstream synth', () => {
  it('writes the clip and GT and prints a one-line summary', async () => {
    const out = path.join(dir, 'clip.mp4');
    const { code, err } = await run(['--seed', '7', '-o', out, '--frames', '12', '--width', '160', '--height', '120', '--fps', '12.5', '--objects', '3-4']);
    expect(code).toBe(0);
    expect(err).toMatch(new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(12 frames, \\d+ instances\\) and .*clip\\.json\\n$`));
    const gt = JSON.parse(readFileSync(path.join(dir, 'clip.json'), 'utf8'));
    expect(gt.info).toMatchObject({ seed: 7, width: 160, height: 120, fps: 12.5, frames: 12 });
    const perImage = new Map<number, number>();
    for (const a of gt.annotations) perImage.set(a.image_id, (perImage.get(a.image_id) ?? 0) + 1);
    expect(Math.max(...perImage.values())).toBeLessThanOrEqual(4);
  });

  it.each([
    [[], /-o\/--output/],
    [['-o', 'x.mp4', '--frames', 'ten'], /--frames must be a whole number/],
    [['-o', 'x.mp4', '--frames', '0'], /--frames must be in/],
    [['-o', 'x.mp4', '--seed', '-3'], /seed/],
    [['-o', 'x.mp4', '--seed', '1.5'], /--seed must be a whole number/],
    [['-o', 'x.mp4', '--width', '321'], /even/],
    [['-o', 'x.mp4', '--height', '16'], /--height must be in/],
    [['-o', 'x.mp4', '--fps', '0'], /--fps must be in/],
    [['-o', 'x.mp4', '--fps', 'fast'], /--fps must be a positive number/],
    [['-o', 'x.mp4', '--objects', '5-2'], /--objects/],
    [['-o', 'x.mp4', '--objects', 'a-b'], /--objects must be MIN-MAX/],
    [['-o', 'x.mp4', '--bogus'], /bogus/],
    [['-o', 'x.mp4', 'extra'], /extra|positional/i],
  ])('usage error %j → exit 2 with one line', async (argv, msg) => {
    const cwdFile = path.join(dir, 'x.mp4');
    const { code, err } = await run((argv as string[]).map((a) => (a === 'x.mp4' ? cwdFile : a)));
    expect(code).toBe(2);
    expect(err).toMatch(msg as RegExp);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(cwdFile)).toBe(false);
  });

  it('--help prints usage and exits 0', async () => {
    const { code, err } = await run(['--help']);
    expect(code).toBe(0);
    expect(err).toMatch(/^usage: segstream synth/);
  });

  it('--seeds A-B -o DIR: one clip per seed, the same bytes as --seed N; clips already there are kept', async () => {
    const set = path.join(dir, 'set');
    const args = ['--frames', '3', '--width', '96', '--height', '64'];
    const first = await run(['--seeds', '20-22', '-o', set, ...args]);
    expect(first.code).toBe(0);
    expect(first.err).toBe(`wrote 3 clips to ${set} (seeds 20-22)\n`);
    const single = path.join(dir, 'single-21.mp4');
    expect((await run(['--seed', '21', '-o', single, ...args])).code).toBe(0);
    // The GT names its video by file name, so compare it with that name swapped.
    expect(readFileSync(path.join(set, 'seed-21.mp4')).equals(readFileSync(single))).toBe(true);
    const gtSet = JSON.parse(readFileSync(path.join(set, 'seed-21.json'), 'utf8'));
    const gtOne = JSON.parse(readFileSync(path.join(dir, 'single-21.json'), 'utf8'));
    expect(gtSet.annotations).toEqual(gtOne.annotations);
    expect(gtSet.info.seed).toBe(21);
    // A rerun over a wider range writes only the new seed and leaves the others' files alone.
    const before = statSync(path.join(set, 'seed-20.mp4')).mtimeMs;
    const again = await run(['--seeds', '20-23', '-o', set, ...args]);
    expect(again.err).toBe(`wrote 1 clip to ${set} (seeds 20-23; 3 already there, kept)\n`);
    expect(statSync(path.join(set, 'seed-20.mp4')).mtimeMs).toBe(before);
    expect(existsSync(path.join(set, 'seed-23.json'))).toBe(true);
  });

  it.each([
    [['--seeds', '5-2', '-o', 'd'], /--seeds must satisfy A <= B/],
    [['--seeds', 'x', '-o', 'd'], /--seeds must be A-B/],
    [['--seeds', '1-3', '--seed', '2', '-o', 'd'], /exclude each other/],
    [['--seeds', '1-3'], /-o\/--output DIR is required/],
  ])('--seeds usage error %j → exit 2 with one line', async (argv, msg) => {
    const { code, err } = await run(argv as string[]);
    expect(code).toBe(2);
    expect(err).toMatch(msg as RegExp);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });
});
