/**
 * A producer of a live camera (a real GStreamer RTSP server on loopback) SIGKILLed mid-stream: the
 * compositor notices (heartbeat), finalises its segment and waits; the producer started again
 * continues the stream (same id, seq after the last published, PTS the real gap later).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { makeTestClip, probeVideo } from '../../src/core/media/test-clip.js';
import { readJsonl } from './jsonl.js';
import { rtspServerMissing, startRtspServer } from '../fixtures/rtsp/rtsp-server.js';
import { deleteKeys, exited, fixtureModel, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const MODEL = fixtureModel('tiny-empty.onnx');
const missing = rtspServerMissing();
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
let tmp: ReturnType<typeof tempDir> | null = null;
const children: ChildProcess[] = [];


describe.skipIf(missing !== null)('a live producer killed and started again', () => {
  beforeAll(async () => {
    tmp = tempDir('prodrestart');
    await makeTestClip(path.join(tmp.dir, 'clip.mp4'), { width: 320, height: 180, fps: '25', seconds: 60 });
  });
  afterAll(async () => {
    for (const c of children) { if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); await exited(c); }
    tmp?.cleanup();
    await deleteKeys(prefix);
  });

  it('is noticed by the compositor (segment finalised, waiting), and continues its stream: every seq once, PTS on across the gap', async () => {
    const dir = path.join(tmp!.dir, 'rec');
    const server = await startRtspServer(path.join(tmp!.dir, 'clip.mp4'));
    children.push(server.child);
    const worker = spawnCli(['work', '--model', MODEL, '--threads', '1', '--concurrency', '2'], env);
    children.push(worker);
    await waitForLine(worker, /waiting for frames/);
    const first = spawnCli(['produce', server.url, '--stream', 'cam'], env);
    children.push(first);
    const compose = spawnCli(['compose', '--stream', 'cam', '-o', path.join(dir, 'cam.mp4'), '--segment', '2'], env);
    children.push(compose);
    let composeLog = '';
    compose.stderr!.on('data', (d) => (composeLog += d));
    await waitForLine(compose, /segment 1 finished/, 90_000);
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    // Within the heartbeat's 10 s (+ a 2 s check), said plainly, with the segment finalised first.
    await waitForLine(compose, /producer of stream 'cam' is gone \(no heartbeat for 10 s\): segment finalised, waiting/, 30_000);
    const noticedAfterMs = Date.now() - killedAt;
    expect(noticedAfterMs).toBeGreaterThan(5_000);
    expect(readdirSync(dir).filter((f) => f.includes('inprogress'))).toEqual([]);
    const before = readdirSync(dir).filter((f) => f.endsWith('.mp4')).length;
    expect(before).toBeGreaterThanOrEqual(3);

    const second = await runCli(['produce', server.url, '--stream', 'cam', '--max-frames', '40'], { env, timeoutMs: 90_000 });
    expect(second.code, second.stderr).toBe(0);
    const resumedAt = Number(/resuming stream 'cam' at seq (\d+)/.exec(second.stderr)?.[1]);
    // After the frames the first producer published (how many depends on what the live source
    // dropped while the pipeline was behind): every seq once across the files is checked below.
    expect(resumedAt).toBeGreaterThan(20);
    expect((await exited(compose)).code, composeLog).toBe(0);

    const files = readdirSync(dir).filter((f) => f.endsWith('.mp4')).sort();
    const lines = files.flatMap((v) => readJsonl(path.join(dir, v.replace(/\.mp4$/, '.jsonl'))));
    for (const v of files) {
      expect((await probeVideo(path.join(dir, v))).frames, v).toBe(readJsonl(path.join(dir, v.replace(/\.mp4$/, '.jsonl'))).length);
    }
    expect(lines.map((l) => l.seq)).toEqual([...Array(resumedAt + 40).keys()]);
    const pts = lines.map((l) => l.ptsMs);
    for (let i = 1; i < pts.length; i++) expect(pts[i], `seq ${i}`).toBeGreaterThan(pts[i - 1]);
    // The restart's gap is real time: at least the time the compositor took to notice.
    expect(pts[resumedAt] - pts[resumedAt - 1]).toBeGreaterThan(noticedAfterMs - 1000);
    console.log(`producer restart: killed after seq ${resumedAt - 1}, noticed after ${noticedAfterMs} ms, resumed at ${resumedAt}, gap ${(pts[resumedAt] - pts[resumedAt - 1]).toFixed(0)} ms; files: ${files.join(' ')}`);
  }, 240_000);
});
