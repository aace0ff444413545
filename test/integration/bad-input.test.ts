import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { makeTestClip } from '../../src/core/media/test-clip.js';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { fixtureModel, runCli, tempDir } from '../helpers.js';
import { readJsonl } from './jsonl.js';

const tmp = tempDir('bad');
const f = (name: string) => path.join(tmp.dir, name);

beforeAll(async () => {
  writeFileSync(f('empty.mp4'), '');
  writeFileSync(f('text.mp4'), 'this is not a video\n'.repeat(50));
  // moov atom at the end (no faststart): cutting the tail leaves an unreadable file.
  await makeTestClip(f('good.mp4'), { width: 160, height: 90, fps: '25', seconds: 2 });
  const good = readFileSync(f('good.mp4'));
  writeFileSync(f('truncated.mp4'), good.subarray(0, Math.floor(good.length * 0.6)));
  // moov at the front: a cut file still decodes its first frames.
  execFileSync(ffmpegPath(), ['-v', 'error', '-i', f('good.mp4'), '-c', 'copy', '-movflags', '+faststart', '-y', f('fast.mp4')]);
  const fast = readFileSync(f('fast.mp4'));
  writeFileSync(f('cut-fast.mp4'), fast.subarray(0, Math.floor(fast.length * 0.5)));
});
afterAll(() => tmp.cleanup());

/** The failure contract: non-zero exit, one `segstream: error:` line, no stack trace. */
function expectOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp, code = 1): void {
  expect(r.code).toBe(code);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('segstream: error:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('bad input gives a one-line error and a non-zero exit', () => {
  const out = () => f('out.mp4');
  it('missing file', async () => {
    expectOneLineError(await runCli(['run', f('nope.mp4'), '-o', out()]), /nope\.mp4.*(no such file|not found)/i);
  });
  it('empty file', async () => {
    expectOneLineError(await runCli(['run', f('empty.mp4'), '-o', out()]), /empty\.mp4.*empty/i);
  });
  it('text file named .mp4', async () => {
    expectOneLineError(await runCli(['run', f('text.mp4'), '-o', out()]), /text\.mp4.*(not a video|invalid data)/i);
  });
  it('truncated video with its index at the end', async () => {
    expectOneLineError(await runCli(['run', f('truncated.mp4'), '-o', out()]), /truncated\.mp4.*(truncated|moov|invalid)/i);
  });
  it('truncated video that still decodes its start: partial output written, exit 1', async () => {
    const r = await runCli(['run', f('cut-fast.mp4'), '-o', f('partial.mp4')]);
    expectOneLineError(r, /stopped early|truncated|corrupt/i);
    const lines = readJsonl(f('partial.jsonl'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(50);
  });
  it('unsupported URL scheme', async () => {
    expectOneLineError(await runCli(['run', 'ftp://example.com/a.mp4', '-o', out()]), /unsupported input scheme 'ftp:'/);
  });
  it('a model that is not ONNX', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--model', fixtureModel('not-onnx.onnx')]), /not a valid ONNX/);
  });
  it('a model with an unknown signature', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--model', fixtureModel('unknown-signature.onnx')]), /unknown model signature/);
  });
  it('a missing model file', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--model', f('none.onnx')]), /model file not found/);
  });
  it('bad option values are usage errors (exit 2)', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--score', 'high']), /invalid --score 'high'/, 2);
    expectOneLineError(await runCli(['run', f('good.mp4')]), /missing -o/, 2);
    expectOneLineError(await runCli(['work', '--shutdown-timeout', 'soon']), /invalid --shutdown-timeout 'soon': expected a number >= 0.1/, 2);
    expectOneLineError(await runCli(['compose', '--stream', 'x', '-o', out(), '--wait=-1']), /invalid --wait '-1': expected a number >= 0/, 2);
  });
});
