/**
 * Many cameras from one config file (`--config cameras.yml`), with real parts: the CLI as a user
 * runs it, real ffmpeg, the bundled model, real Redis for produce/work/compose, and a real
 * GStreamer RTSP camera where the machine has one (skipped with a message otherwise).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTestClip, probeVideo } from '../../src/core/media/test-clip.js';
import { comparable, readJsonl, seqs } from './jsonl.js';
import { freePort, rtspServerMissing, startRtspServer, tcpConnectError } from '../fixtures/rtsp/rtsp-server.js';
import { deleteKeys, makeSynthClipWithAudio, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const tmp = tempDir('cameras');
const f = (name: string): string => path.join(tmp.dir, name);
const clip = f('clip.mp4');
const FRAMES = 20;
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
const rtspMissing = rtspServerMissing();
if (rtspMissing) console.warn(`[segstream tests] cameras-config: the live RTSP camera case is SKIPPED (${rtspMissing})`);

let children: ChildProcess[] = [];

beforeAll(async () => {
  await makeSynthClipWithAudio(clip, { seed: 12, frames: FRAMES });
});
afterEach(async () => {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
  })));
  children = [];
});
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

/** A closed port on loopback: the camera there is unreachable, as the test proves first. */
async function unreachableCamera(): Promise<string> {
  const port = await freePort();
  expect(await tcpConnectError(port)).toBe('ECONNREFUSED');
  return `rtsp://127.0.0.1:${port}/cam`;
}

function writeConfig(name: string, text: string): string {
  const file = f(name);
  writeFileSync(file, text);
  return file;
}

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('segstream: error:'));
const logLines = (stderr: string, msg: string): unknown[] =>
  stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string }).filter((l) => l.msg === msg);

describe('segstream run --config', () => {
  it('one good and one unreachable camera: the good one complete and playable, the bad one reported by name, exit 1', async () => {
    const bad = await unreachableCamera();
    const config = writeConfig('run.yml', `
defaults:
  output: ${f('run')}/{stream}.mp4
cameras:
  - id: gate
    url: ${clip}
  - id: yard
    url: ${bad}
    reconnect: 2
  - id: strict
    url: ${clip}
    score: 0.9
`);
    const r = await runCli(['run', '--config', config, '--threads', '1'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`camera 'yard' failed: cannot read input '${bad}': connection refused (3 attempts: the first and 2 more, 'reconnect: 2')`);
    expect(errorLines(r.stderr)).toEqual(["segstream: error: 1 of 3 cameras failed: 'yard' (the others finished)"]);
    // It was really tried again, twice, with the backoff between.
    expect(logLines(r.stderr, `camera 'yard' is not reachable: cannot read input '${bad}': connection refused; trying again in 0.5 s`)).toHaveLength(1);
    expect(logLines(r.stderr, `camera 'yard' is not reachable: cannot read input '${bad}': connection refused; trying again in 1 s`)).toHaveLength(1);
    expect(r.stderr).toMatch(/camera 'gate': 20 frames written/);
    // One model session for the three cameras.
    expect(logLines(r.stderr, 'model loaded')).toHaveLength(1);

    const src = await probeVideo(clip);
    for (const id of ['gate', 'strict']) {
      const got = await probeVideo(f(`run/${id}.mp4`));
      expect(got.frames).toBe(src.frames);
      expect(Math.abs(got.durationMs - src.durationMs)).toBeLessThanOrEqual(1);
      expect(seqs(readJsonl(f(`run/${id}.jsonl`)))).toEqual([...Array(FRAMES).keys()]);
    }
    expect(readdirSync(f('run')).sort()).toEqual(['gate.jsonl', 'gate.mp4', 'strict.jsonl', 'strict.mp4']);

    // Each camera keeps its own score on the shared session: the same results as a run of its own.
    const scores = (id: string) => readJsonl(f(`run/${id}.jsonl`)).flatMap((l) => l.instances.map((i) => i.score));
    expect(scores('gate').some((s) => s >= 0.5 && s < 0.9), 'the clip has detections between the two scores').toBe(true);
    expect(scores('strict').length).toBeGreaterThan(0);
    expect(Math.min(...scores('strict'))).toBeGreaterThanOrEqual(0.9);
    const alone = await runCli(['run', clip, '-o', f('alone.mp4'), '--score', '0.9', '--threads', '1']);
    expect(alone.code, alone.stderr).toBe(0);
    expect(comparable(readJsonl(f('run/strict.jsonl')))).toEqual(comparable(readJsonl(f('alone.jsonl'))));
  }, 300_000);

  it.skipIf(rtspMissing !== null)('a live RTSP camera that goes away for good (reconnect 2) is reported with what it wrote; the file camera finishes', async () => {
    // Long enough that the camera is killed before its stream could end.
    const long = f('long.mp4');
    await makeTestClip(long, { width: 320, height: 180, fps: '25', seconds: 20 });
    const server = await startRtspServer(long);
    children.push(server.child);
    const config = writeConfig('live.yml', `
defaults:
  output: ${f('live')}/{stream}.mp4
  no-track: true
cameras:
  - id: file
    url: ${clip}
  - id: street
    url: ${server.url}
    reconnect: 2
`);
    const run = spawnCli(['run', '--config', config, '--threads', '1']);
    children.push(run);
    let stderr = '';
    run.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    await waitForLine(run, /"msg":"decoding","role":"producer","stream":"street"/, 120_000);
    await new Promise((r) => setTimeout(r, 1500));
    server.child.kill('SIGKILL'); // the camera is gone and stays gone
    const code = await exited;
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/camera 'street' failed: decoding stopped early after \d+ frames: the source was lost .* 2 reconnect attempt\(s\) failed/);
    expect(errorLines(stderr)).toEqual(["segstream: error: 1 of 2 cameras failed: 'street' (the others finished)"]);
    expect((await probeVideo(f('live/file.mp4'))).frames).toBe(FRAMES);
    // What the camera sent before it went away is a finished, playable file.
    const street = readJsonl(f('live/street.jsonl'));
    expect(street.length).toBeGreaterThan(0);
    expect((await probeVideo(f('live/street.mp4'))).frames).toBe(street.length);
  }, 300_000);

  it.skipIf(rtspMissing !== null)('a live camera still down when the run starts is retried and recorded once it answers', async () => {
    const port = await freePort();
    const long = f('late.mp4');
    await makeTestClip(long, { width: 320, height: 180, fps: '25', seconds: 20 });
    const config = writeConfig('late.yml', `
defaults:
  output: ${f('late')}/{stream}.mp4
  no-track: true
cameras:
  - id: late
    url: rtsp://127.0.0.1:${port}/test
    max-frames: 20
`);
    expect(await tcpConnectError(port)).toBe('ECONNREFUSED');
    const run = spawnCli(['run', '--config', config, '--threads', '1']);
    children.push(run);
    let stderr = '';
    run.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    await waitForLine(run, /camera 'late' is not reachable: .*connection refused; trying again in 1 s/, 120_000);
    const server = await startRtspServer(long, { port });
    children.push(server.child);
    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/camera 'late': 20 frames written/);
    expect(seqs(readJsonl(f('late/late.jsonl')))).toEqual([...Array(20).keys()]);
    expect((await probeVideo(f('late/late.mp4'))).frames).toBe(20);
  }, 300_000);

  it('SIGTERM stops every camera gracefully: each output finished and playable, exit 0', async () => {
    const long = f('long-term.mp4');
    await makeTestClip(long, { width: 320, height: 180, fps: '25', seconds: 20 });
    const config = writeConfig('term.yml', `
defaults:
  output: ${f('term')}/{stream}.mp4
  no-track: true
cameras:
  - id: one
    url: ${long}
  - id: two
    url: ${long}
`);
    const run = spawnCli(['run', '--config', config, '--threads', '1']);
    children.push(run);
    let stderr = '';
    run.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    await waitForLine(run, /"msg":"progress"/, 120_000);
    run.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('interrupted: every camera finishes the frames already decoded');
    for (const id of ['one', 'two']) {
      const lines = readJsonl(f(`term/${id}.jsonl`));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length, 'stopped early, not run to the end').toBeLessThan(500);
      expect(seqs(lines)).toEqual([...Array(lines.length).keys()]);
      expect((await probeVideo(f(`term/${id}.mp4`))).frames).toBe(lines.length);
    }
  }, 300_000);

  it('validation errors: one line naming file, camera and field, exit 2, nothing written', async () => {
    const cases: [string, string, string][] = [
      ['unknown field', 'fsp: 10', "camera 'b' field 'fsp': unknown field (did you mean 'fps'?)"],
      ['bad value', 'fps: ten', `camera 'b' field 'fps': expected a number >= 0.001 (got "ten")`],
      ['bad reconnect', 'reconnect: sometimes', `camera 'b' field 'reconnect': expected always, never or a number of attempts >= 1 (got "sometimes")`],
      ['retention without segments', 'keep-hours: 24', "camera 'b' field 'keep-hours': 'keep-hours' needs 'segment' (retention deletes finished segments)"],
      ['duplicate id', 'id: a', "camera 'a' field 'id': duplicate id (camera #1 has it too)"],
      ['same output', `output: ${f('bad')}/a.mp4`, `camera 'b' field 'output' '${f('bad')}/a.mp4' and camera 'a' field 'output' '${f('bad')}/a.mp4' are the same file`],
      ['missing file', `url: ${f('nope.mp4')}`, `camera 'b' field 'url': cannot read input '${f('nope.mp4')}': no such file`],
    ];
    for (const [what, line, message] of cases) {
      const [key] = line.split(':');
      const config = writeConfig('bad.yml', `
defaults:
  output: ${f('bad')}/{stream}.mp4
cameras:
  - id: a
    url: ${clip}
  - ${key === 'id' ? line : 'id: b'}
    ${key === 'url' ? line : `url: ${clip}`}
${key === 'id' || key === 'url' ? '' : `    ${line}`}
`);
      const r = await runCli(['run', '--config', config]);
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      const errors = errorLines(r.stderr);
      expect(errors, what).toHaveLength(1);
      expect(errors[0], what).toContain(`segstream: error: ${config}: ${message}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(f('bad')), `${what}: nothing written`).toBe(false);
    }
  }, 120_000);
});

describe('--config on the command line', () => {
  it('refuses per-camera flags, a positional input and run --redis beside it, in one line (exit 2)', async () => {
    const config = writeConfig('flags.yml', `cameras:\n  - id: a\n    url: ${clip}\n    output: ${f('flags')}/a.mp4\n`);
    const cases: [string[], string][] = [
      [['run', '--config', config, '--fps', '3'], "--fps cannot be given with --config: set it in the file, under 'defaults:' or the camera"],
      [['run', clip, '--config', config], `unexpected argument '${clip}': with --config the cameras' sources are in the file`],
      [['run', '--config', config, '--redis', REDIS_URL], 'run --config runs in memory; for Redis use produce --config, segstream work and compose --config'],
      [['work', '--config', config], "--config goes with run, produce or compose, not 'work'"],
      [['run', '--config', f('missing.yml')], `cannot read config file '${f('missing.yml')}': no such file`],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(errorLines(r.stderr)).toEqual([`segstream: error: ${message}`]);
    }
    expect(existsSync(f('flags'))).toBe(false);
  }, 120_000);
});

describe('segstream produce --config | work | compose --config (Redis)', () => {
  it('one good and one unreachable camera: the good one composed, the bad one reported by both roles', async () => {
    const bad = await unreachableCamera();
    const config = writeConfig('redis.yml', `
defaults:
  output: ${f('redis')}/{stream}.mp4
  wait: 5
cameras:
  - id: gate
    url: ${clip}
    score: 0.6
  - id: yard
    url: ${bad}
    reconnect: 2
`);
    const worker = spawnCli(['work', '--threads', '1', '--score', '0.3'], env);
    children.push(worker);
    await waitForLine(worker, /waiting for frames/);
    const [p, c] = await Promise.all([
      runCli(['produce', '--config', config], { env, timeoutMs: 180_000 }),
      runCli(['compose', '--config', config], { env, timeoutMs: 180_000 }),
    ]);
    expect(p.code, p.stderr).toBe(1);
    expect(p.stderr).toContain(`camera 'yard' failed: cannot read input '${bad}': connection refused (3 attempts: the first and 2 more, 'reconnect: 2')`);
    expect(p.stderr).toMatch(/camera 'gate': 20 frames published/);
    expect(errorLines(p.stderr)).toEqual(["segstream: error: 1 of 2 cameras failed: 'yard' (the others finished)"]);
    expect(c.code, c.stderr).toBe(1);
    expect(c.stderr).toContain("camera 'yard' failed: stream 'yard' is unknown: no producer registered it within 5 s");
    expect(errorLines(c.stderr)).toEqual(["segstream: error: 1 of 2 cameras failed: 'yard' (the others finished)"]);
    const got = await probeVideo(f('redis/gate.mp4'));
    expect(got.frames).toBe(FRAMES);
    const lines = readJsonl(f('redis/gate.jsonl'));
    expect(seqs(lines)).toEqual([...Array(FRAMES).keys()]);
    // The worker keeps 0.3 and up; the camera's own score is applied by its compositor.
    const scores = lines.flatMap((l) => l.instances.map((i) => i.score));
    expect(scores.length).toBeGreaterThan(0);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.6);
    expect(readdirSync(f('redis')).sort()).toEqual(['gate.jsonl', 'gate.mp4']);
  }, 300_000);
});
