import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { makeTestClip } from '../../src/core/media/test-clip.js';
import { deleteKeys, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const tmp = tempDir('output-safety');
const f = (name: string): string => path.join(tmp.dir, name);
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
let clipSha = '';

beforeAll(async () => {
  await makeTestClip(f('in.mp4'), { width: 160, height: 90, fps: '25', seconds: 1 });
  await makeTestClip(f('long.mp4'), { width: 160, height: 90, fps: '25', seconds: 20 });
  clipSha = sha(f('in.mp4'));
  writeFileSync(f('text.mp4'), 'this is not a video\n'.repeat(50));
  writeFileSync(f('plain.txt'), 'a regular file');
});
afterAll(() => tmp.cleanup());

/** The failure contract: one `segstream: error:` line, no stack trace, and no work started. */
function expectRefused(r: { code: number | null; stderr: string }, message: string | RegExp, code: number): void {
  expect(r.code, r.stderr).toBe(code);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('segstream: error:'));
  expect(errors, r.stderr).toHaveLength(1);
  if (typeof message === 'string') expect(errors[0]).toBe(`segstream: error: ${message}`);
  else expect(errors[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr, 'refused before the model loaded').not.toMatch(/model loaded/);
}

/** Names in the directory other than the given ones (left-over outputs or temporary files). */
const others = (dir: string, keep: string[]): string[] => readdirSync(dir).filter((n) => !keep.includes(n));

describe('no output can overwrite the input', () => {
  it('-o equal to the input: refused, the source unchanged', async () => {
    const r = await runCli(['run', f('in.mp4'), '-o', f('in.mp4')]);
    expectRefused(r, `-o '${f('in.mp4')}' is the same file as the input '${f('in.mp4')}': refusing to overwrite it`, 2);
    expect(sha(f('in.mp4'))).toBe(clipSha);
    expect(existsSync(f('in.jsonl'))).toBe(false);
  });

  it('a symlink and a hard link to the input are the input', async () => {
    symlinkSync(f('in.mp4'), f('sym.mp4'));
    linkSync(f('in.mp4'), f('hard.mp4'));
    for (const name of ['sym.mp4', 'hard.mp4']) {
      const r = await runCli(['run', f('in.mp4'), '-o', f(name)]);
      expectRefused(r, /is the same file as the input/, 2);
    }
    expect(sha(f('in.mp4'))).toBe(clipSha);
  });

  it('--results equal to the input, given by another spelling', async () => {
    const r = await runCli(['run', f('in.mp4'), '-o', f('o1.mp4'), '--results', path.join(tmp.dir, 'x', '..', 'in.mp4')]);
    expectRefused(r, /^segstream: error: --results '.*' is the same file as the input/, 2);
    expect(sha(f('in.mp4'))).toBe(clipSha);
  });
});

describe('no output can overwrite another', () => {
  it('--results equal to -o', async () => {
    expectRefused(await runCli(['run', f('in.mp4'), '-o', f('a.mp4'), '--results', f('a.mp4')]),
      `--results '${f('a.mp4')}' and -o '${f('a.mp4')}' are the same file: give them different names`, 2);
  });
  it('--coco equal to --results', async () => {
    expectRefused(await runCli(['run', f('in.mp4'), '-o', f('a.mp4'), '--results', f('r.json'), '--coco', f('r.json')]),
      `--coco '${f('r.json')}' and --results '${f('r.json')}' are the same file: give them different names`, 2);
  });
  it("--coco x.json with --results x.dataset.json (the COCO dataset's name)", async () => {
    expectRefused(await runCli(['run', f('in.mp4'), '-o', f('a.mp4'), '--coco', f('x.json'), '--results', f('x.dataset.json')]),
      `the --coco dataset '${f('x.dataset.json')}' and --results '${f('x.dataset.json')}' are the same file: give them different names`, 2);
  });
  it('nothing was written by the refused runs', () => {
    expect(others(tmp.dir, ['in.mp4', 'long.mp4', 'text.mp4', 'plain.txt', 'sym.mp4', 'hard.mp4'])).toEqual([]);
  });
});

describe('unwritable outputs fail before any work', () => {
  it('-o /proc/x.mp4', async () => {
    expectRefused(await runCli(['run', f('in.mp4'), '-o', '/proc/x.mp4']),
      /^segstream: error: cannot write -o '\/proc\/x\.mp4': cannot create files in '\/proc' \(E[A-Z]+: .*\)$/, 1);
  });
  it('-o under a regular file', async () => {
    expectRefused(await runCli(['run', f('in.mp4'), '-o', f('plain.txt/x.mp4')]),
      `cannot write -o '${f('plain.txt/x.mp4')}': '${f('plain.txt')}' is not a directory`, 1);
    expect(readFileSync(f('plain.txt'), 'utf8')).toBe('a regular file');
  });
  it('an output that is a directory', async () => {
    mkdirSync(f('d.mp4'));
    expectRefused(await runCli(['run', f('in.mp4'), '-o', f('d.mp4')]), `-o '${f('d.mp4')}' exists and is not a regular file`, 2);
  });
  it('a missing output directory is created', async () => {
    const r = await runCli(['run', f('in.mp4'), '-o', f('new/deeper/o.mp4')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/created output directory .*new\/deeper/);
    expect(readdirSync(f('new/deeper')).sort()).toEqual(['o.jsonl', 'o.mp4']);
  });
});

describe('an existing output is replaced only by a run that succeeds', () => {
  const keep = ['old.mp4', 'old.jsonl'];
  const dir = (): string => f('replace');
  const at = (n: string): string => path.join(dir(), n);
  beforeAll(() => {
    mkdirSync(dir());
    writeFileSync(at('old.mp4'), 'old video');
    writeFileSync(at('old.jsonl'), 'old results\n');
  });
  const expectOldIntact = (): void => {
    expect(readFileSync(at('old.mp4'), 'utf8')).toBe('old video');
    expect(readFileSync(at('old.jsonl'), 'utf8')).toBe('old results\n');
  };

  it('a missing model: old files intact, nothing else left', async () => {
    const r = await runCli(['run', f('in.mp4'), '-o', at('old.mp4'), '--coco', at('c.json'), '--model', f('none.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/segstream: error: .*model file not found/);
    expectOldIntact();
    expect(others(dir(), keep)).toEqual([]);
  });

  it('a source that fails before its first frame: old files intact, nothing else left', async () => {
    // Bounded: the compositor waiting for a stream that never comes must not hold the run.
    const r = await runCli(['run', f('text.mp4'), '-o', at('old.mp4'), '--coco', at('c.json')], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/segstream: error: .*text\.mp4/);
    expectOldIntact();
    expect(others(dir(), keep)).toEqual([]);
  });

  it('SIGKILL mid-run: old files intact, no file under a target name', async () => {
    const child = spawnCli(['run', f('long.mp4'), '-o', at('old.mp4'), '--coco', at('c.json')]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    await waitForLine(child, /"written":[1-9]/, 90_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expectOldIntact();
    // Only hidden temporary files (.NAME.PID.partial.EXT) can be left by a kill.
    const left = others(dir(), keep);
    expect(left.every((n) => /^\..*\.\d+\.partial(\.\w+)?$/.test(n)), left.join(', ')).toBe(true);
    expect(left.length, 'the kill really came mid-run: the results were being written').toBeGreaterThan(0);
    for (const n of left) execFileSync('rm', ['-f', path.join(dir(), n)]);
  });

  it('a run that succeeds replaces them, and says so', async () => {
    const r = await runCli(['run', f('in.mp4'), '-o', at('old.mp4')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/replacing existing file .*old\.mp4/);
    expect(r.stderr).toMatch(/replacing existing file .*old\.jsonl/);
    expect(readFileSync(at('old.mp4')).subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(readFileSync(at('old.jsonl'), 'utf8').trim().split('\n')).toHaveLength(25);
    expect(others(dir(), keep)).toEqual([]);
  });
});

/** A real full disk: a 16 KiB tmpfs (needs root with CAP_SYS_ADMIN; skipped, with a notice, without it). */
const fullDisk = tempDir('output-safety-full');
const full = fullDisk.dir;
const canMount = ((): boolean => {
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', full]).status === 0;
  if (!ok) {
    console.warn('[output-safety] cannot mount a tmpfs here: the disk-full test is SKIPPED');
    fullDisk.cleanup();
  }
  return ok;
})();

describe.skipIf(!canMount)('a disk that fills up mid-run', () => {
  afterAll(() => {
    spawnSync('umount', [full]);
    fullDisk.cleanup();
  });

  it('one error line, exit 1, the old file intact, no temporary file left', async () => {
    writeFileSync(path.join(full, 'o.jsonl'), 'old\n');
    const r = await runCli(['run', f('long.mp4'), '-o', path.join(full, 'o.mp4'), '--max-frames', '100'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('segstream: error:'));
    expect(errors).toEqual([`segstream: error: cannot write '${path.join(full, 'o.jsonl')}': ENOSPC: no space left on device, write`]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path.join(full, 'o.jsonl'), 'utf8')).toBe('old\n');
    expect(readdirSync(full)).toEqual(['o.jsonl']);
  });
});

describe('compose checks the stream source from Redis', () => {
  const prefix = testPrefix();
  const env = { SEGSTREAM_REDIS_PREFIX: prefix };
  afterAll(() => deleteKeys(prefix));

  it('-o equal to the source the producer read: refused, the source unchanged', async () => {
    const stream = 'safety-1';
    const p = await runCli(['produce', f('in.mp4'), '--stream', stream, '--max-frames', '5'], { env });
    expect(p.code, p.stderr).toBe(0);
    const r = await runCli(['compose', '--stream', stream, '-o', f('hard.mp4')], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`segstream: error: -o '${f('hard.mp4')}' is the same file as the stream's source '${f('in.mp4')}': refusing to overwrite it`);
    expect(sha(f('in.mp4'))).toBe(clipSha);
  });
});
