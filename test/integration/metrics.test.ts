import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { writeSynthClip } from '../../src/synth/index.js';
import { RedisKeys } from '../../src/core/transport/redis-keys.js';
import { StreamRegistry, type StreamStatus } from '../../src/core/transport/stream-registry.js';
import { WorkerRegistry, type WorkerEntry } from '../../src/core/transport/worker-registry.js';
import { readJsonl } from './jsonl.js';
import { freePort } from '../core/media/media-helpers.js';
import { deleteKeys, exited, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const tmp = tempDir('metrics');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
const clip = path.join(tmp.dir, 'clip.mp4');
const FRAMES = 120;
const children: ChildProcess[] = [];
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });

function track(child: ChildProcess): ChildProcess {
  children.push(child);
  child.stderr!.on('data', () => undefined); // keep the pipe drained
  return child;
}


function stderrOf(child: ChildProcess): () => string {
  let s = '';
  child.stderr!.on('data', (d) => (s += d));
  return () => s;
}

interface Reply { status: number; body: string }
function get(port: number, p: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
const tryGet = (port: number, p: string): Promise<Reply | null> => get(port, p).catch(() => null);

/** Polls until `pred` holds for a reply; returns it. */
async function until(port: number, p: string, pred: (r: Reply) => boolean, timeoutMs: number): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  let last: Reply | null = null;
  while (Date.now() < deadline) {
    last = await tryGet(port, p);
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${p} on ${port}: no matching reply within ${timeoutMs} ms (last: ${last ? `${last.status} ${last.body.slice(0, 300)}` : 'none'})`);
}

/** One series' value in Prometheus text (labels matched as given, others ignored). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    const have = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.slice(line.indexOf('}') + 1));
  }
  return undefined;
}

beforeAll(async () => { await writeSynthClip(clip, { seed: 31, frames: FRAMES, fps: 10 }); });
afterEach(async () => {
  await Promise.all(children.splice(0).map(async (c) => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await exited(c);
  }));
});
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); redis.disconnect(); });

describe('metrics and health of the distributed roles (real Redis, ffmpeg, ONNX)', () => {
  it('readyz waits for the model; scrapes and the registries follow a real stream; counters match the JSONL', async () => {
    const [pw, pc, pp] = [await freePort(), await freePort(), await freePort()];
    const keys = new RedisKeys(prefix);
    const streams = new StreamRegistry(redis, keys);
    const workers = new WorkerRegistry(redis, keys);

    // Polled from the moment the worker starts: the first answer comes before its model is loaded.
    const worker = track(spawnCli(['work', '--threads', '1', '--metrics-port', String(pw)], env));
    const first = await until(pw, '/readyz', () => true, 30_000);
    expect(first.status, first.body).toBe(503);
    expect(JSON.parse(first.body)).toMatchObject({ ready: false, checks: { model: { ok: false, detail: 'model not loaded yet' } } });
    expect(JSON.parse(first.body).failed).toContain('model');
    const ready = await until(pw, '/readyz', (r) => r.status === 200, 60_000);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, checks: { model: { ok: true }, redis: { ok: true } } });
    expect((await get(pw, '/healthz')).status).toBe(200);

    const out = path.join(tmp.dir, 'cam.mp4');
    const compose = track(spawnCli(['compose', '--stream', 'cam', '-o', out, '--metrics-port', String(pc)], env));
    const composeErr = stderrOf(compose);
    await waitForLine(compose, /serving metrics/);
    const produce = track(spawnCli(['produce', clip, '--stream', 'cam', '--metrics-port', String(pp)], env));

    // While the stream runs: scrape both roles, read the registries.
    const composeDone = exited(compose);
    let finished = false;
    void composeDone.then(() => { finished = true; });
    const writtenSeen: number[] = [];
    const producerReady: number[] = [];
    let liveStream: StreamStatus | undefined;
    let ourWorker: WorkerEntry | undefined;
    while (!finished) {
      const c = await tryGet(pc, '/metrics');
      const w = c ? sample(c.body, 'segstream_frames_total', { stream: 'cam', stage: 'written', role: 'compose' }) : undefined;
      if (w !== undefined) writtenSeen.push(w);
      const r = await tryGet(pp, '/readyz');
      if (r) producerReady.push(r.status);
      const s = (await streams.list()).find((x) => x.streamId === 'cam');
      if (s?.state === 'live' && (s.producer?.decoded ?? 0) > 0) liveStream ??= s;
      ourWorker ??= (await workers.list()).find((x) => x.pid === worker.pid && x.alive);
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(await composeDone, composeErr()).toEqual({ code: 0, signal: null });
    expect(await exited(produce)).toEqual({ code: 0, signal: null });

    const lines = readJsonl(path.join(tmp.dir, 'cam.jsonl'));
    expect(lines.length).toBe(FRAMES);
    // The compositor's counter went up while it ran, never past the JSONL.
    expect(writtenSeen.length).toBeGreaterThan(0);
    expect(writtenSeen).toEqual([...writtenSeen].sort((a, b) => a - b));
    expect(Math.max(...writtenSeen)).toBeLessThanOrEqual(lines.length);
    expect(producerReady).toContain(200); // the source was delivering (or the producer waiting on back-pressure)

    // The stream registry listed the running stream, and the worker registry the worker.
    expect(liveStream, 'stream registry never showed cam live').toBeDefined();
    expect(liveStream).toMatchObject({ producer: { source: clip, width: 320, height: 240, live: false } });
    expect(ourWorker, 'worker registry never listed the worker').toMatchObject({ model: 'segstream-maskrcnn-tiny', device: 'cpu', state: 'running' });
    const done = await streams.get('cam');
    expect(done).toMatchObject({ state: 'finished', producer: { state: 'ended', decoded: FRAMES }, compositor: { state: 'finished', written: FRAMES, failed: 0 } });

    // The worker stays up: its final counters are the JSONL's frames.
    const wm = (await get(pw, '/metrics')).body;
    expect(sample(wm, 'segstream_frames_total', { stream: 'cam', stage: 'inferred', role: 'work' })).toBe(lines.length);
    const lbl = { model: 'segstream-maskrcnn-tiny', device: 'cpu' };
    expect(sample(wm, 'segstream_inference_seconds_count', lbl)).toBe(lines.length);
    expect(sample(wm, 'segstream_inference_seconds_sum', lbl)).toBeGreaterThan(0);
    expect(sample(wm, 'segstream_preprocess_seconds_count', lbl)).toBe(lines.length);
    expect(sample(wm, 'segstream_postprocess_seconds_count', lbl)).toBe(lines.length);
    expect(sample(wm, 'segstream_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sample(wm, 'segstream_worker_busy_ratio', lbl)).toBeGreaterThanOrEqual(0);
    expect(sample(wm, 'process_cpu_seconds_total', { role: 'work' })).toBeGreaterThan(0);
    expect(wm).not.toMatch(/\bseq="/);
    // The registry is rewritten every second: it catches up with the last frames within a few.
    let w: WorkerEntry | undefined;
    for (let i = 0; i < 50 && w?.frames !== lines.length; i++) {
      await new Promise((res) => setTimeout(res, 100));
      w = (await workers.list()).find((x) => x.pid === worker.pid);
    }
    expect(w?.frames).toBe(lines.length);

    worker.kill('SIGTERM');
    expect((await exited(worker)).code).toBe(0);
    expect((await workers.list()).find((x) => x.pid === worker.pid)).toMatchObject({ state: 'stopped', alive: false });
    // drop forgets the stream in the registry too.
    expect((await runCli(['drop', '--stream', 'cam'], { env })).code).toBe(0);
    expect(await streams.get('cam')).toBeNull();
  }, 180_000);

  it('readyz turns 503 naming redis once the role\'s Redis is killed; healthz and /metrics still answer', async () => {
    const rport = await freePort();
    const server = track(spawn('redis-server', ['--port', String(rport), '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'ignore', 'pipe'] }));
    const mport = await freePort();
    const url = `redis://127.0.0.1:${rport}`;
    // Redis may take a moment to listen: the worker's connect is retried by the test, not by it.
    let worker: ChildProcess | null = null;
    for (let i = 0; i < 50 && !worker; i++) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      if (await probe.connect().then(() => true, () => false)) worker = track(spawnCli(['work', '--redis', url, '--threads', '1', '--metrics-port', String(mport)], env));
      probe.disconnect();
      if (!worker) await new Promise((r) => setTimeout(r, 100));
    }
    expect(worker).not.toBeNull();
    await until(mport, '/readyz', (r) => r.status === 200, 60_000);
    server.kill('SIGKILL');
    await exited(server);
    const down = await until(mport, '/readyz', (r) => r.status === 503, 15_000);
    const report = JSON.parse(down.body);
    expect(report.failed).toEqual(['redis']);
    expect(report.checks.model.ok).toBe(true);
    expect(report.checks.redis.detail).toMatch(/Redis connection is|PING/);
    expect((await get(mport, '/healthz')).status).toBe(200);
    const t = Date.now();
    const m = await get(mport, '/metrics');
    expect(m.status).toBe(200);
    expect(Date.now() - t).toBeLessThan(4000); // the queue gauge's Redis read is bounded
  }, 120_000);
});

describe('metrics of segstream run', () => {
  it('--metrics-port 0 picks a free port and logs it; a scrape mid-run shows the stream moving', async () => {
    const run = track(spawnCli(['run', clip, '-o', path.join(tmp.dir, 'run.mp4'), '--metrics-port', '0', '--metrics-host', '127.0.0.1']));
    const err = stderrOf(run);
    const line = await waitForLine(run, /"port":\d+/);
    const port = Number(/"port":(\d+)/.exec(line)![1]);
    const done = exited(run);
    let finished = false;
    void done.then(() => { finished = true; });
    const scrapes: string[] = [];
    while (!finished) {
      const r = await tryGet(port, '/metrics');
      if (r?.status === 200) scrapes.push(r.body);
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(await done, err()).toEqual({ code: 0, signal: null });
    const moving = scrapes.filter((s) => (sample(s, 'segstream_frames_total', { stage: 'decoded', role: 'run' }) ?? 0) > 0);
    expect(moving.length, err()).toBeGreaterThan(0);
    const last = moving.at(-1)!;
    const decoded = sample(last, 'segstream_frames_total', { stage: 'decoded' })!;
    const written = sample(last, 'segstream_frames_total', { stage: 'written' }) ?? 0;
    expect(decoded).toBeLessThanOrEqual(FRAMES);
    expect(written).toBeLessThanOrEqual(decoded);
    expect(sample(last, 'segstream_frames_in_flight')).toBeLessThanOrEqual(16);
    expect(sample(last, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(readJsonl(path.join(tmp.dir, 'run.jsonl')).length).toBe(FRAMES);
    // Closed with the run: nothing listens any more.
    expect(await tryGet(port, '/healthz')).toBeNull();
  }, 120_000);

  it('run --config serves one endpoint for every camera: each stream its own series', async () => {
    const cfg = path.join(tmp.dir, 'cams.yml');
    writeFileSync(cfg, `defaults:\n  output: ${tmp.dir}/cfg-{stream}.mp4\ncameras:\n  - id: east\n    input: ${clip}\n  - id: west\n    input: ${clip}\n`);
    const run = track(spawnCli(['run', '--config', cfg, '--metrics-port', '0', '--metrics-host', '127.0.0.1', '--threads', '1']));
    const err = stderrOf(run);
    const line = await waitForLine(run, /"port":\d+/);
    const port = Number(/"port":(\d+)/.exec(line)![1]);
    const done = exited(run);
    let finished = false;
    void done.then(() => { finished = true; });
    let both: string | undefined;
    let ready = false;
    while (!finished) {
      const r = await tryGet(port, '/metrics');
      if (r && ['east', 'west'].every((id) => (sample(r.body, 'segstream_frames_total', { stream: id, stage: 'written' }) ?? 0) > 0)) both ??= r.body;
      ready ||= (await tryGet(port, '/readyz'))?.status === 200;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(await done, err()).toEqual({ code: 0, signal: null });
    expect(both, 'no scrape showed both cameras writing').toBeDefined();
    expect(ready).toBe(true);
    for (const id of ['east', 'west']) {
      expect(sample(both!, 'segstream_frames_total', { stream: id, stage: 'decoded', role: 'run' })).toBeGreaterThan(0);
      expect(readJsonl(path.join(tmp.dir, `cfg-${id}.jsonl`)).length).toBe(FRAMES);
    }
    // One model session for both cameras: one series of model timings.
    expect(both!.match(/^segstream_inference_seconds_count\{/gm)).toHaveLength(1);
  }, 180_000);

  it('bad --metrics-port / --metrics-host are usage errors; a port in use is one clear line, exit 1', async () => {
    const bad = await runCli(['run', clip, '-o', path.join(tmp.dir, 'x.mp4'), '--metrics-port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/segstream: error: invalid --metrics-port '70000': expected a port in \[0, 65535\]/);
    const hostOnly = await runCli(['work', '--metrics-host', '127.0.0.1'], { env });
    expect(hostOnly.code).toBe(2);
    expect(hostOnly.stderr).toMatch(/--metrics-host needs --metrics-port/);
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const inUse = await runCli(['run', clip, '-o', path.join(tmp.dir, 'y.mp4'), '--metrics-port', String(port), '--metrics-host', '127.0.0.1']);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toMatch(new RegExp(`segstream: error: cannot serve metrics on 127\\.0\\.0\\.1:${port}: EADDRINUSE\\n`));
    } finally {
      taken.close();
    }
  });
});
