/**
 * Pulls real RTSP from a GStreamer RTSP server on loopback (test/fixtures/rtsp/serve.py, which
 * re-streams an MP4's H.264 without re-encoding, in real time, from the start for each client).
 * Needs Debian's python3-gi, gir1.2-gst-rtsp-server-1.0 and gstreamer1.0-plugins-base/-good/-bad
 * (.ci/run installs them); skipped with a message when /usr/bin/python3 cannot load them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { makeTestClip, probeVideo } from '../../src/core/media/test-clip.js';
import { readJsonl, readJsonlEvents, seqs } from './jsonl.js';
import { freePort, PYTHON, rtspServerMissing, startRtspServer, tcpConnectError } from '../fixtures/rtsp/rtsp-server.js';
import { deleteKeys, exited, fixtureModel, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

// Inference is not what is tested here: the smallest fixture model keeps the file fast.
const MODEL = fixtureModel('tiny-empty.onnx');


const missing = rtspServerMissing();
if (missing) {
  console.warn(
    `[segstream tests] RTSP tests SKIPPED: ${PYTHON} cannot run a GStreamer RTSP server (${missing}); ` +
      'install gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad (see .ci/run)',
  );
}

let tmp: ReturnType<typeof tempDir> | null = null; // made in beforeAll: nothing to clean when skipped
const f = (name: string): string => path.join(tmp!.dir, name);
// 25 fps, long enough that no test reaches its end (each client gets the stream from the start).
const clip = (): string => f('clip.mp4');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };

interface RtspServer { url: string; child: ChildProcess }
let servers: ChildProcess[] = [];
let workers: ChildProcess[] = [];


/** Starts the RTSP server and remembers it for the afterEach cleanup. */
async function startServer(file: string, port?: number): Promise<RtspServer & { port: number }> {
  const server = await startRtspServer(file, { port });
  servers.push(server.child);
  return server;
}


/** SIGKILL (after SIGCONT, for one stopped on purpose) and wait: no stray servers. */
async function killAll(list: ChildProcess[]): Promise<void> {
  await Promise.all(list.map(async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await exited(c);
  }));
}

async function stopWorkers(): Promise<void> {
  await Promise.all(workers.map(async (w) => {
    if (w.exitCode !== null || w.signalCode !== null) return;
    w.kill('SIGTERM');
    const t = setTimeout(() => w.kill('SIGKILL'), 15_000);
    await exited(w);
    clearTimeout(t);
  }));
  workers = [];
}

/** The failure contract: exit 1, one `segstream: error:` line, no stack trace. */
function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('segstream: error:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** Frames a live run dropped because the pipeline was behind (its warning line), 0 when none. */
function droppedFrames(stderr: string): number {
  const m = /dropped (\d+) frame\(s\)/.exec(stderr);
  return m ? Number(m[1]) : 0;
}

describe.skipIf(missing !== null)('RTSP input from a real RTSP server (GStreamer, loopback, TCP)', () => {
  beforeAll(async () => {
    tmp = tempDir('rtsp');
    await makeTestClip(clip(), { width: 320, height: 180, fps: '25', seconds: 20 });
  });
  afterEach(async () => {
    await stopWorkers();
    await killAll(servers);
    servers = [];
  });
  afterAll(async () => {
    await stopWorkers();
    await killAll(servers);
    tmp?.cleanup();
    await deleteKeys(prefix).catch(() => undefined);
  });

  it('run --max-frames 40: the frames it kept, with the source timing, no audio, logged as live', async () => {
    const { url } = await startServer(clip());
    const out = f('a.mp4');
    const r = await runCli(['run', url, '-o', out, '--max-frames', '40', '--model', MODEL], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/error:/);
    // Soft: a missing log field should not hide the timing checks below.
    expect.soft(r.stderr, 'the decoding line should say the source is live').toMatch(/"msg":"decoding"[^\n]*live(?!":false)/);

    // A live source is never paused: frames the pipeline could not keep up with are dropped (and
    // logged); --max-frames counts the frames kept, so there are exactly 40 whatever was dropped.
    const lines = readJsonl(f('a.jsonl'));
    expect(lines.length, `${droppedFrames(r.stderr)} dropped\n${r.stderr}`).toBe(40);
    expect(seqs(lines)).toEqual([...Array(lines.length).keys()]);
    const pts = lines.map((l) => l.ptsMs);
    // Starts at (about) 0, not at an RTP clock offset; every step is a whole number of 40 ms frames.
    const ptsList = `ptsMs: ${pts.join(' ')}`;
    expect.soft(pts[0], ptsList).toBeGreaterThanOrEqual(0);
    expect.soft(pts[0], ptsList).toBeLessThan(1000);
    const steps = pts.slice(1).map((p, i) => (p - pts[i]) / 40);
    expect.soft(steps.filter((k) => !(k >= 1 && Math.abs(k - Math.round(k)) < 0.001)), `steps in frames that are not whole and >= 1; ${ptsList}`).toEqual([]);

    const got = await probeVideo(out);
    expect(got.frames).toBe(lines.length);
    expect([got.width, got.height]).toEqual([320, 180]);
    expect(got.hasAudio).toBe(false);
    if (lines.length >= 2) {
      const span = pts[pts.length - 1] - pts[0];
      expect(Math.abs(got.durationMs - (span * lines.length) / (lines.length - 1))).toBeLessThanOrEqual(1);
    }
  });

  it('distributed: produce --max-frames 30 from RTSP | work | compose, each seq once', async () => {
    const { url } = await startServer(clip());
    const w = spawnCli(['work', '--model', MODEL, '--threads', '1', '--concurrency', '2', '--lock-ms', '3000'], env);
    workers.push(w);
    await waitForLine(w, /waiting for frames/);
    const out = f('b.mp4');
    const [p, c] = await Promise.all([
      runCli(['produce', url, '--stream', 'rtsp1', '--max-frames', '30'], { env, timeoutMs: 90_000 }),
      runCli(['compose', '--stream', 'rtsp1', '-o', out], { env, timeoutMs: 90_000 }),
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    const lines = readJsonl(f('b.jsonl'));
    expect(lines.length, `${droppedFrames(p.stderr)} dropped\n${p.stderr}`).toBe(30);
    expect(seqs(lines)).toEqual([...Array(lines.length).keys()]);
    expect(lines.filter((l) => l.error)).toEqual([]);
    const got = await probeVideo(out);
    expect(got.frames).toBe(lines.length);
    expect(got.hasAudio).toBe(false);
  });

  /** Starts an endless-enough run, waits for ~1.5 s of frames, then does `cut` to the server. */
  async function runAndCut(tag: string, cut: (server: ChildProcess) => void, extra: string[] = []) {
    const server = await startServer(clip());
    const out = f(`${tag}.mp4`);
    const child = spawnCli(['run', server.url, '-o', out, '--stall-timeout', '3', '--model', MODEL, ...extra]);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 75_000);
    try {
      await waitForLine(child, /"msg":"decoding"/, 45_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(child.exitCode, `run ended before the cut:\n${stderr}`).toBeNull();
      cut(server.child);
      const cutAt = Date.now();
      const { code, signal } = await done;
      return { code, signal, stdout, stderr, out, tag, afterCutMs: Date.now() - cutAt };
    } finally {
      clearTimeout(guard);
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await done; }
    }
  }

  async function expectPartialOutput(r: { out: string; tag: string; stderr: string }): Promise<void> {
    const got = await probeVideo(r.out);
    expect(got.frames, r.stderr).toBeGreaterThanOrEqual(1);
    expect(got.frames).toBeLessThan(500); // the clip's 20 s were not all sent
    const lines = readJsonl(f(`${r.tag}.jsonl`));
    expect(seqs(lines)).toEqual([...Array(got.frames).keys()]);
  }

  it('--reconnect never, the server dies mid-stream: the run ends by itself, keeps its frames, exits 1 (stopped early)', async () => {
    const r = await runAndCut('killed', (server) => server.kill('SIGKILL'), ['--reconnect', 'never']);
    oneLineError(r, /stopped early.*the RTSP server closed the connection/);
    expect(r.afterCutMs, r.stderr).toBeLessThan(30_000);
    await expectPartialOutput(r);
    // the outage is on record after the last frame
    const events = readJsonlEvents(f('killed.jsonl'));
    expect(events.map((e) => [e.event, e.beforeFrame])).toEqual([['source-lost', readJsonl(f('killed.jsonl')).length]]);
  });

  it('--reconnect never, the server hangs mid-stream (no data, connection open): stalled after --stall-timeout, exit 1', async () => {
    const r = await runAndCut('hung', (server) => server.kill('SIGSTOP'), ['--reconnect', 'never']);
    oneLineError(r, /stopped early.*(stalled|timed out|timeout)/i);
    expect(r.afterCutMs, r.stderr).toBeGreaterThanOrEqual(3000);
    expect(r.afterCutMs, r.stderr).toBeLessThan(30_000);
    await expectPartialOutput(r);
  });

  it('--reconnect 2, the server gone for good: gives up after 2 failed attempts in seconds, exit 1, frames kept', async () => {
    const r = await runAndCut('gone', (server) => server.kill('SIGKILL'), ['--reconnect', '2']);
    oneLineError(r, /stopped early.*the source was lost \(the RTSP server closed the connection.*\) and did not come back: 2 reconnect attempt\(s\) failed/);
    expect(r.afterCutMs, r.stderr).toBeLessThan(20_000); // 0.5 s + 1 s of backoff, two refused connections
    await expectPartialOutput(r);
  });

  it('a camera that goes away for ~5 s and comes back on its port: reconnected, gap reported, N frames, exit 0', async () => {
    const first = await startServer(clip());
    const out = f('outage.mp4');
    const N = 150;
    const child = spawnCli(['run', first.url, '-o', out, '--max-frames', String(N), '--model', MODEL]);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let goneAt = 0;
    let backAt = 0;
    const refused: (string | null)[] = [];
    try {
      await waitForLine(child, /"msg":"decoding"/, 45_000);
      await sleep(1500);
      first.child.kill('SIGKILL');
      await exited(first.child);
      goneAt = Date.now();
      // Really down: nothing listens on the port, early and late in the outage.
      refused.push(await tcpConnectError(first.port));
      await sleep(3000);
      refused.push(await tcpConnectError(first.port));
      await sleep(Math.max(0, goneAt + 5000 - Date.now()));
      await startServer(clip(), first.port);
      backAt = Date.now();
      expect(await done, stderr).toBe(0);
    } finally {
      clearTimeout(guard);
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await done; }
    }
    expect(refused).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(stderr).not.toMatch(/error:/);

    const lines = readJsonl(f('outage.jsonl'));
    expect(lines.length, stderr).toBe(N);
    expect(seqs(lines)).toEqual([...Array(N).keys()]);
    const events = readJsonlEvents(f('outage.jsonl'));
    expect(events.map((e) => e.event), stderr).toEqual(['source-lost', 'source-back']);
    const [lost, back] = events as [(typeof events)[0], (typeof events)[0]];
    const k = back.atSeq;
    // both between frame k-1 and frame k, where the outage is
    expect([lost.atSeq, lost.beforeFrame, back.beforeFrame]).toEqual([k, k, k]);
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(N);
    expect(lost.reason).toMatch(/the RTSP server closed the connection/);
    expect(lost.ptsMs).toBe(lines[k - 1].ptsMs);
    expect(back.ptsMs).toBe(lines[k].ptsMs);

    const firstNewFrameAt = Date.parse(back.wallClock);
    const timeline = {
      cameraGone: new Date(goneAt).toISOString(),
      lostNoticed: lost.wallClock,
      cameraBack: new Date(backAt).toISOString(),
      firstNewFrame: back.wallClock,
      outageS: (backAt - goneAt) / 1000,
      firstFrameAfterCameraBackS: (firstNewFrameAt - backAt) / 1000,
      gapMs: back.gapMs,
      attempts: back.attempts,
    };
    console.log(`[rtsp outage timeline] ${JSON.stringify(timeline)}`);
    expect(Date.parse(lost.wallClock) - goneAt, JSON.stringify(timeline)).toBeLessThan(3000);
    // Frames flow again soon after the camera answers, however long the backoff had grown.
    expect(firstNewFrameAt - backAt, JSON.stringify(timeline)).toBeLessThan(3000);

    // PTS strictly increase; across the gap they jump by its real length, not back to 0.
    const pts = lines.map((l) => l.ptsMs);
    for (let i = 1; i < N; i++) expect(pts[i], `seq ${i}`).toBeGreaterThan(pts[i - 1]);
    expect(pts[k] - pts[k - 1]).toBeCloseTo(back.gapMs!, 2);
    expect(back.gapMs!, JSON.stringify(timeline)).toBeGreaterThan(4500);
    expect(back.gapMs!, JSON.stringify(timeline)).toBeLessThan(firstNewFrameAt - goneAt + 1000);

    expect(stderr).toMatch(/source lost: the RTSP server closed the connection[^"]*; reconnecting in 0\.5 s/);
    expect(stderr).toMatch(/source back after \d+(\.\d)? s/);
    expect(stderr).toMatch(/"msg":"run finished"[^\n]*"reconnects":1/);
    const got = await probeVideo(out);
    expect(got.frames).toBe(N);
  }, 120_000);

  it('--reconnect takes always, never or a positive count: anything else is a usage error', async () => {
    const r = await runCli(['run', 'rtsp://127.0.0.1:1/x', '-o', f('u.mp4'), '--reconnect', 'sometimes'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe("segstream: error: invalid --reconnect 'sometimes': expected always, never or a number of attempts >= 1");
  });

  it('nothing listening on the port: one-line error, exit 1, within seconds', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await runCli(['run', `rtsp://127.0.0.1:${port}/test`, '-o', f('d.mp4'), '--model', MODEL], { timeoutMs: 30_000 });
    const ms = Date.now() - started;
    oneLineError(r, new RegExp(`rtsp://127\\.0\\.0\\.1:${port}/test.*(connection refused|cannot connect)`, 'i'));
    expect(ms, r.stderr).toBeLessThan(15_000);
  });
});
