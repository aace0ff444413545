import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { makeTestClip } from '../../src/core/media/test-clip.js';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { fixtureModel, runCli, tempDir } from '../helpers.js';
import { formatDescriptions, MODEL_FORMATS } from '../../src/core/adapters/registry.js';
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
  mkdirSync(f('folder.mp4'));
  // Audio only, under an audio name and under a video name.
  execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '1', '-c:a', 'aac', '-y', f('sound.m4a')]);
  execFileSync(ffmpegPath(), ['-v', 'error', '-i', f('sound.m4a'), '-c', 'copy', '-f', 'mp4', '-y', f('sound.mp4')]);
});
afterAll(() => tmp.cleanup());

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The error of a TCP connection attempt (null when it connects): proves a port is really closed. */
function connectError(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(null); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Runs the CLI and returns its result with the seconds it took. */
async function timedCli(args: string[]) {
  const t0 = Date.now();
  const r = await runCli(args, { timeoutMs: 60_000 });
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

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
  it('a directory as input, refused before the model loads or Redis is tried', async () => {
    const r = await runCli(['run', f('folder.mp4'), '-o', out()]);
    expectOneLineError(r, /folder\.mp4.*is a directory/);
    expect(r.stderr).not.toContain('model loaded');
    const port = await closedPort();
    expectOneLineError(await runCli(['produce', f('folder.mp4'), '--stream', 'dir', '--redis', `redis://127.0.0.1:${port}`]), /folder\.mp4.*is a directory/);
  });
  it.each(['sound.m4a', 'sound.mp4'])('an audio-only file (%s)', async (name) => {
    expectOneLineError(await runCli(['run', f(name), '-o', out()]), new RegExp(`${name.replace('.', '\\.')}.*no video stream`));
  });
  it('--score not a number, and out of [0,1]', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--score', 'high']), /invalid --score 'high'/, 2);
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--score', '1.5']), /invalid --score '1\.5'.*\[0, 1\]/, 2);
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--score', '-0.5']), /invalid --score '-0\.5'.*\[0, 1\]/, 2);
  });
  it('bad tracking, zone and line options are usage errors (exit 2), before any work', async () => {
    const run = (...extra: string[]) => runCli(['run', f('good.mp4'), '-o', out(), ...extra]);
    expectOneLineError(await run('--tracker', 'sort'), /invalid --tracker 'sort': expected byte or iou/, 2);
    expectOneLineError(await run('--track-similarity', 'color'), /invalid --track-similarity 'color': expected box, mask, mask\+box/, 2);
    expectOneLineError(await run('--track-buffer', '-1'), /invalid --track-buffer '-1': expected a number >= 0/, 2);
    expectOneLineError(await run('--track-thresh', '0.05'), /invalid --track-thresh '0\.05'.*\[0\.1, 1\]/, 2);
    expectOneLineError(await run('--track', '--no-track'), /--track and --no-track contradict/, 2);
    expectOneLineError(await run('--line', 'door:0,0,1'), /invalid --line 'door:0,0,1': an odd number of coordinates/, 2);
    expectOneLineError(await run('--zone', 'z:0,0,1,1'), /invalid --zone 'z:0,0,1,1': a zone needs at least 3 points/, 2);
    expectOneLineError(await run('--line', 'a:0,0,1,1', '--line', 'a:0,1,1,0'), /name 'a' is used twice/, 2);
    expectOneLineError(await run('--line', 'a:0,0,1,1', '--no-track'), /cannot be used with --no-track/, 2);
    expectOneLineError(await runCli(['compose', '--stream', 'x', '-o', out(), '--tracker', 'sort']), /invalid --tracker 'sort'/, 2);
  });
  it('negative --max-frames is checked as a number, not taken for a flag', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--max-frames', '-3']), /invalid --max-frames '-3': expected an integer >= 1/, 2);
  });
  it('--fps 0', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--fps', '0']), /invalid --fps '0'/, 2);
  });
  it('unknown --device', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--device', 'tpu']), /invalid --device 'tpu': expected cpu or cuda/, 2);
  });
  it('--model that is a directory', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--model', tmp.dir]), /model '.*' is a directory, not an ONNX file/);
  });
  it('a valid ONNX image classifier: names the model and the signatures expected', async () => {
    const r = await runCli(['run', f('good.mp4'), '-o', out(), '--model', fixtureModel('tiny-classifier.onnx')]);
    expectOneLineError(r, /tiny-classifier\.onnx.*image classifier.*outputs \[probs float32\[1,10\]\]/);
    // Every family's expected signature is spelled out.
    expect(r.stderr).toMatch(/torchvision: .*boxes, labels, scores, masks/);
    expect(r.stderr).toMatch(/zoo: /);
    expect(r.stderr).toMatch(/yolo-seg: .*\[1,4\+nc\+nm,A\]/);
  });
  it('unknown --format lists the registry formats, and --help describes each of them', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--format', 'yolo']),
      new RegExp(`invalid --format 'yolo': expected one of ${MODEL_FORMATS.join(', ')}$`), 2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const d of formatDescriptions()) expect(help.stdout).toMatch(new RegExp(`^ +${d.format} +${d.describe.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });
  it('-o missing, and -o without its value', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4')]), /missing -o/, 2);
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o']), /option '--output' needs a value/, 2);
  });
  it('an unknown flag names the nearest known one, for every command', async () => {
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--scroe', '0.3']), /^segstream: error: unknown option '--scroe' \(did you mean --score\?\)$/, 2);
    expectOneLineError(await runCli(['work', '--max-frame', '3']), /unknown option '--max-frame' \(did you mean --max-frames\?\)/, 2);
    expectOneLineError(await runCli(['synth', '-o', f('s.mp4'), '--sede', '3']), /unknown option '--sede' \(did you mean --seed\?\)/, 2);
    expectOneLineError(await runCli(['eval', '--gt', 'g.json', '--reslts', 'r.jsonl']), /unknown option '--reslts' \(did you mean --results\?\)/, 2);
    // Nothing near: no suggestion.
    expectOneLineError(await runCli(['run', f('good.mp4'), '-o', out(), '--zzzzzz']), /^segstream: error: unknown option '--zzzzzz'$/, 2);
    expect(existsSync(f('s.mp4'))).toBe(false);
  });
  it.each([
    ['rtsp', (port: number) => `rtsp://127.0.0.1:${port}/x`],
    ['http', (port: number) => `http://127.0.0.1:${port}/x.mp4`],
  ])('%s:// to a closed port fails fast: connection refused', async (_scheme, url) => {
    const port = await closedPort();
    expect(await connectError(port)).toBe('ECONNREFUSED');
    const r = await timedCli(['run', url(port), '-o', out()]);
    expectOneLineError(r, new RegExp(`'${url(port).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'.*connection refused`));
    expect(r.seconds).toBeLessThan(20);
  });
  it.each([
    ['run', (u: string) => ['run', f('good.mp4'), '-o', out(), '--redis', u]],
    ['produce', (u: string) => ['produce', f('good.mp4'), '--stream', 'closed', '--redis', u]],
    ['work', (u: string) => ['work', '--redis', u]],
    ['compose', (u: string) => ['compose', '--stream', 'closed', '-o', out(), '--redis', u]],
    ['drop', (u: string) => ['drop', '--stream', 'closed', '--redis', u]],
  ])('%s --redis to a closed port: one line naming the redacted URL, in seconds', async (_cmd, args) => {
    const port = await closedPort();
    expect(await connectError(port)).toBe('ECONNREFUSED');
    const r = await timedCli(args(`redis://user:secret@127.0.0.1:${port}`));
    expectOneLineError(r, new RegExp(`cannot connect to Redis at redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(r.stderr).not.toContain('secret');
    expect(r.seconds).toBeLessThan(20);
  });
  it.each(['a/b', '..', '../x', 'x y'])('stream id %j is a usage error for every command that takes one', async (id) => {
    const port = await closedPort();
    // A closed Redis: the id must be refused before any connection is tried.
    const redis = ['--redis', `redis://127.0.0.1:${port}`];
    for (const args of [
      ['produce', f('good.mp4'), '--stream', id, ...redis],
      ['compose', '--stream', id, '-o', out(), ...redis],
      ['drop', '--stream', id, ...redis],
    ]) {
      expectOneLineError(await runCli(args), /invalid stream id .*: use 1-64 letters, digits, '_' or '-'/, 2);
    }
  });
});
