import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import { Metrics } from '../../../src/core/metrics/metrics.js';
import { MetricsServer } from '../../../src/core/metrics/metrics-server.js';
import { RateWindow } from '../../../src/core/metrics/rate-window.js';
import { Readiness } from '../../../src/core/metrics/readiness.js';
import { Progress } from '../../../src/core/progress.js';
import { Logger } from '../../../src/core/log.js';

/** The value of one series in Prometheus text, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    const have = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.slice(line.indexOf('}') + 1));
  }
  return undefined;
}

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: String(res.headers['content-type']) }));
    }).on('error', reject);
  });
}

const servers: MetricsServer[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

describe('Metrics', () => {
  it('counts frames per stream and stage, with the role on every series and no seq anywhere', async () => {
    const m = new Metrics({ role: 'run', processMetrics: false });
    const a = m.stream('cam-a');
    const b = m.stream('cam-b');
    a.opened({ streamId: 'cam-a', source: 'x.mp4', width: 8, height: 8, fps: 10, durationMs: 1000, hasAudio: false, audioCodec: null, live: true });
    for (let i = 0; i < 3; i++) a.decoded();
    a.decoderTotals(2, 1);
    a.decoderTotals(2, 1); // totals, not increments: nothing new
    a.inferred(12);
    b.inferred(8);
    a.composing('composing');
    a.written({ decodedAtMs: Date.now() - 250 });
    a.written({ error: 'boom' });
    a.sourceLost();
    a.sourceBack();
    const text = await m.text();
    expect(sample(text, 'segstream_frames_total', { stream: 'cam-a', stage: 'decoded', role: 'run' })).toBe(3);
    expect(sample(text, 'segstream_frames_total', { stream: 'cam-a', stage: 'dropped' })).toBe(2);
    expect(sample(text, 'segstream_source_mistimed_frames_total', { stream: 'cam-a' })).toBe(1);
    expect(sample(text, 'segstream_frames_total', { stream: 'cam-a', stage: 'inferred' })).toBe(1);
    expect(sample(text, 'segstream_frames_total', { stream: 'cam-b', stage: 'inferred' })).toBe(1);
    expect(sample(text, 'segstream_frames_total', { stream: 'cam-a', stage: 'written' })).toBe(2);
    expect(sample(text, 'segstream_frames_total', { stream: 'cam-a', stage: 'failed' })).toBe(1);
    expect(sample(text, 'segstream_source_reconnects_total', { stream: 'cam-a' })).toBe(1);
    expect(sample(text, 'segstream_source_up', { stream: 'cam-a' })).toBe(1);
    // One latency observed (the error result carried no decode time), about 0.25 s.
    expect(sample(text, 'segstream_frame_latency_seconds_count', { stream: 'cam-a' })).toBe(1);
    expect(sample(text, 'segstream_frame_latency_seconds_sum', { stream: 'cam-a' })).toBeGreaterThanOrEqual(0.25);
    expect(text).not.toMatch(/seq=/);
    expect(text).not.toMatch(/process_cpu_seconds_total/); // off when asked
    // The plain numbers the progress display and the registry read.
    expect(a.counts).toEqual({ decoded: 3, inferred: 1, written: 2, failed: 1 });
    expect(m.totals).toEqual({ decoded: 3, inferred: 2, written: 2, failed: 1 });
    expect(a.inferMs).toBe(12);
  });

  it('times model runs per model and device, and reads gauges when scraped', async () => {
    const m = new Metrics({ role: 'work' });
    const model = m.model('/models/yolov8n-seg.onnx', 'cpu');
    model.ran({ inferMs: 40, preMs: 3, postMs: 5 });
    model.ran({ inferMs: 60, preMs: 2, postMs: 4 });
    model.failed();
    let inFlight = 5;
    m.watchInFlight('cam', () => inFlight);
    m.watchQueue(async () => ({ waiting: 7, active: 2 }));
    let text = await m.text();
    const lbl = { model: 'yolov8n-seg', device: 'cpu' };
    expect(sample(text, 'segstream_inference_seconds_count', lbl)).toBe(2);
    expect(sample(text, 'segstream_inference_seconds_sum', lbl)).toBeCloseTo(0.1, 6);
    expect(sample(text, 'segstream_preprocess_seconds_sum', lbl)).toBeCloseTo(0.005, 6);
    expect(sample(text, 'segstream_postprocess_seconds_sum', lbl)).toBeCloseTo(0.009, 6);
    expect(sample(text, 'segstream_inference_errors_total', lbl)).toBe(1);
    expect(sample(text, 'segstream_worker_busy_ratio', lbl)).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'segstream_frames_in_flight', { stream: 'cam' })).toBe(5);
    expect(sample(text, 'segstream_queue_jobs', { state: 'waiting' })).toBe(7);
    expect(sample(text, 'segstream_queue_jobs', { state: 'delayed' })).toBe(0);
    expect(text).toMatch(/\nprocess_cpu_seconds_total\{role="work"\} /); // default process metrics, on by default
    inFlight = 9;
    text = await m.text();
    expect(sample(text, 'segstream_frames_in_flight', { stream: 'cam' })).toBe(9);
  });

  it('a gauge source that hangs (Redis away) does not hang the scrape', async () => {
    const m = new Metrics({ role: 'compose', processMetrics: false });
    m.watchQueue(() => new Promise(() => undefined));
    const t = Date.now();
    const text = await m.text();
    expect(Date.now() - t).toBeLessThan(5000);
    expect(text).toMatch(/segstream_frames_total/);
  });

  it('feeds the progress display: Progress reads the stream\'s counters', () => {
    const m = new Metrics({ role: 'run', processMetrics: false });
    const s = m.stream('x');
    const p = new Progress(new Logger({ json: true }), { counters: s.counts });
    s.decoded(); s.decoded(); s.inferred(1); s.written({});
    expect(p.line()).toMatch(/^decoded 2 \| inferred 1 \| written 1 \|/);
  });
});

describe('RateWindow', () => {
  it('is the rate over the last window, falling to 0 once nothing moves', () => {
    let now = 0;
    const r = new RateWindow(10_000, 250, () => now);
    for (let i = 0; i < 100; i++) { r.add(); now += 100; } // 10 per second for 10 s
    expect(r.rate()).toBeGreaterThan(9);
    expect(r.rate()).toBeLessThan(11);
    now += 5000; // 5 s of nothing: half the window is empty
    expect(r.rate()).toBeLessThan(7);
    now += 20_000;
    expect(r.rate()).toBe(0);
  });
});

describe('MetricsServer', () => {
  it('serves /metrics, /healthz and /readyz (503 naming the failed check, then 200)', async () => {
    const m = new Metrics({ role: 'work', processMetrics: false });
    m.stream('cam').decoded();
    let loaded = false;
    const readiness = new Readiness()
      .add('model', () => (loaded ? { ok: true } : { ok: false, detail: 'model not loaded yet' }))
      .add('redis', async () => ({ ok: true }));
    const server = await MetricsServer.start(m, readiness, { port: 0, host: '127.0.0.1' });
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    const metrics = await get(server.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(metrics.body, 'segstream_frames_total', { stream: 'cam', stage: 'decoded' })).toBe(1);
    expect((await get(server.port, '/healthz')).status).toBe(200);
    const before = await get(server.port, '/readyz');
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toMatchObject({ ready: false, failed: ['model'], checks: { model: { ok: false, detail: 'model not loaded yet' }, redis: { ok: true } } });
    loaded = true;
    const after = await get(server.port, '/readyz');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ ready: true, failed: [] });
    expect((await get(server.port, '/nope')).status).toBe(404);
  });

  it('a check that never answers fails within its bound; close() never waits for a client', async () => {
    const readiness = new Readiness().add('redis', () => new Promise(() => undefined));
    const server = await MetricsServer.start(new Metrics({ role: 'work', processMetrics: false }), readiness, { port: 0, host: '127.0.0.1' });
    const port = server.port;
    const r = await get(port, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).checks.redis.detail).toMatch(/no answer within 2000 ms/);
    // A probe in progress (its check hangs for 2 s) when the role shuts down: close() drops it.
    const inProgress = get(port, '/readyz').then(() => 'answered', (e: Error) => e.message);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t = Date.now();
    const closed = new Promise<number>((resolve) => { (server as unknown as { server: http.Server }).server.once('close', () => resolve(Date.now() - t)); });
    server.close();
    expect(await closed).toBeLessThan(1000);
    expect(await inProgress).toMatch(/socket hang up|ECONNRESET/);
    await expect(get(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a port in use is an error at start', async () => {
    const first = await MetricsServer.start(new Metrics({ role: 'work', processMetrics: false }), new Readiness(), { port: 0, host: '127.0.0.1' });
    servers.push(first);
    await expect(MetricsServer.start(new Metrics({ role: 'work', processMetrics: false }), new Readiness(), { port: first.port, host: '127.0.0.1' })).rejects.toThrow(/EADDRINUSE/);
  });
});
