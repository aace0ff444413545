import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expandGlob, globBase, isGlob } from '../../src/batch/glob.js';
import { expandInputs, namesBatch } from '../../src/batch/batch-inputs.js';
import { planBatch } from '../../src/batch/batch-plan.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir('glob');
afterAll(() => tmp.cleanup());
const touch = (rel: string) => { const p = path.join(tmp.dir, rel); mkdirSync(path.dirname(p), { recursive: true }); writeFileSync(p, 'x'); };
for (const f of ['a.jpg', 'b.png', 'c.txt', 'sub/d.jpg', 'sub/deep/e.JPG', '.hidden.jpg', 'sub/clip.mov']) touch(f);

describe('batch inputs', () => {
  it('globs: * within a segment, ** across folders, classes; hidden files only when asked', () => {
    expect(isGlob('a/*.jpg')).toBe(true);
    expect(isGlob('a/b.jpg')).toBe(false);
    expect(globBase('x/y/*.jpg')).toEqual({ base: 'x/y', rest: ['*.jpg'] });
    const rel = (ps: string[]) => ps.map((p) => path.relative(tmp.dir, p));
    expect(rel(expandGlob(`${tmp.dir}/*.jpg`))).toEqual(['a.jpg']);
    expect(rel(expandGlob(`${tmp.dir}/**/*.jpg`))).toEqual(['a.jpg', 'sub/d.jpg']);
    expect(rel(expandGlob(`${tmp.dir}/[ab].*`))).toEqual(['a.jpg', 'b.png']);
    expect(rel(expandGlob(`${tmp.dir}/.h*`))).toEqual(['.hidden.jpg']);
  });

  it('a folder is walked recursively and sorted, media files only, each with its relative path', () => {
    expect(namesBatch([tmp.dir])).toBe(true);
    expect(namesBatch([path.join(tmp.dir, 'a.jpg')])).toBe(false);
    const e = expandInputs([tmp.dir]);
    expect(e.items.map((i) => [i.rel, i.kind])).toEqual([['a.jpg', 'image'], ['b.png', 'image'], ['sub/clip.mov', 'video'], ['sub/d.jpg', 'image'], ['sub/deep/e.JPG', 'image']]);
    expect(e.skipped.map((s) => s.rel)).toEqual(['c.txt']);
    expect(expandInputs([`${tmp.dir}/nothing-*.jpg`]).missing).toHaveLength(1);
  });

  it('outputs keep the relative path (videos become .mp4); a second input taking the same name is a clash', () => {
    const plan = planBatch([
      { input: 'x/a.mov', rel: 'a.mov', kind: 'video' },
      { input: 'x/a.mp4', rel: 'a.mp4', kind: 'video' },
      { input: 'x/p.jpg', rel: 'sub/p.jpg', kind: 'image' },
      { input: 'x/p.png', rel: 'sub/p.png', kind: 'image' },
    ], '/out');
    expect(plan.items.map((i) => [i.output, i.results])).toEqual([['/out/a.mp4', '/out/a.jsonl'], ['/out/sub/p.jpg', '/out/sub/p.jsonl']]);
    expect(plan.clashes.map((c) => [c.item.rel, c.with.rel])).toEqual([['a.mp4', 'a.mov'], ['sub/p.png', 'sub/p.jpg']]);
  });
});
