/**
 * Live cameras, measured: glass-to-result latency, drops and rate for 1 and for N cameras.
 *
 *   npm run build && node dist/bench/live-latency.js [--minutes 5] [--one-minutes 2] [--cameras 4]
 *        [--source clip.mp4] [--file-frames 300]
 *
 * A 10 fps clip (default ../shared/media/people-walking.mp4, 768x432) is looped losslessly and
 * served in real time by the test RTSP server (test/fixtures/rtsp: each client gets its own
 * stream from the start). Cameras run as `segstream run --config` runs them (src/commands/
 * cameras-run.ts: one process, one model session shared by all cameras), with the bundled model.
 * Latency is per frame: from ffmpeg handing the frame over (`decodedAtMs`) to its result written.
 *
 * 1. the pipeline's maximum rate on one file input (the clip's first --file-frames frames, as fast
 *    as it goes), measured before and after the camera runs (the machine is noisy): their mean;
 * 2. one camera for --one-minutes: no drops, and p95 latency ≤ the model's per-frame time + 250 ms;
 * 3. --cameras cameras for --minutes (more than this machine can do at 10 fps each): aggregate
 *    rate ≥ 0.95 × (1), each camera's rate within 15 % of the others', and latency that does not
 *    grow (p95 of the last minute ≤ 1.2 × p95 of the first full minute).
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCameras } from '../src/commands/cameras-run.js';
import type { CameraPlan } from '../src/commands/camera-plan.js';
import { Logger } from '../src/core/log.js';
import { Metrics } from '../src/core/metrics/metrics.js';
import { bundledModelPath, packageRoot } from '../src/core/package-root.js';
import { DEFAULT_POSTPROCESS } from '../src/core/adapters/model-adapter.js';
import type { FrameResult } from '../src/core/types.js';
import { rtspServerMissing, startRtspServer } from '../test/fixtures/rtsp/rtsp-server.js';
import { loopedClip } from './camera-clip.js';
import { processCpuMs } from './process-sample.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    'one-minutes': { type: 'string', default: '2' },
    cameras: { type: 'string', default: '4' },
    source: { type: 'string' },
    'file-frames': { type: 'string', default: '300' },
    /** Frames in flight per camera (the runner's default: 16). */
    'max-in-flight': { type: 'string' },
    /** Skip the one-camera run. */
    'no-one': { type: 'boolean', default: false },
  },
});
const root = packageRoot();
const source = values.source ?? path.resolve(root, '..', 'shared', 'media', 'people-walking.mp4');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'segstream-latency-'));
const quiet = new Logger({ level: 'error' });

interface Written { atMs: number; latencyMs: number; inferMs: number }

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function plan(id: string, input: string, maxFrames?: number): CameraPlan {
  return {
    id,
    input,
    output: path.join(tmp, `${id}.mp4`),
    segmented: false,
    // As the CLI's default: tracking on, so the worker keeps detections down to 0.1 for it.
    worker: { model: bundledModelPath(), device: 'cpu', postprocess: DEFAULT_POSTPROCESS, trackLowScore: 0.1 },
    producer: { maxFrames },
    compositor: {},
  };
}

/** Runs cameras until they end or `stopAfterMs` passes (then a graceful stop, as SIGTERM does). */
async function run(plans: CameraPlan[], stopAfterMs?: number): Promise<{ written: Map<string, Written[]>; metrics: Metrics; ms: number }> {
  const metrics = new Metrics({ role: 'bench', processMetrics: false });
  const written = new Map<string, Written[]>(plans.map((p) => [p.id, []]));
  const observer = { metrics, attach: () => undefined, close: async () => undefined };
  const t0 = Date.now();
  const timer = stopAfterMs ? setTimeout(() => process.emit('SIGTERM'), stopAfterMs) : null;
  const onWritten = (id: string, r: FrameResult): void => {
    const now = Date.now();
    if (r.decodedAtMs !== undefined && !r.error) written.get(id)!.push({ atMs: now - t0, latencyMs: now - r.decodedAtMs, inferMs: r.inferMs ?? NaN });
  };
  const maxInFlight = values['max-in-flight'] ? Number(values['max-in-flight']) : undefined;
  const outcomes = await runCameras({ cameras: plans, observer, onWritten, maxInFlight }, quiet);
  if (timer) clearTimeout(timer);
  for (const o of outcomes) if (o.error && !/stopped on request/.test(o.error)) throw new Error(`camera '${o.id}' failed: ${o.error}`);
  return { written, metrics, ms: Date.now() - t0 };
}

/** Frames per second between the first and the last frame written (no start or finish costs). */
function steadyFps(frames: Written[]): number {
  if (frames.length < 2) return NaN;
  return (frames.length - 1) / ((frames.at(-1)!.atMs - frames[0].atMs) / 1000);
}

async function fileMaxRate(clip: string, frames: number): Promise<number> {
  const { written } = await run([plan('file', clip, frames)]);
  return steadyFps(written.get('file')!);
}

async function cameras(url: string, n: number, minutes: number, serverPid: number) {
  const plans = Array.from({ length: n }, (_, i) => plan(`cam${i + 1}`, url));
  const cpu0 = processCpuMs(serverPid);
  const { written, metrics, ms } = await run(plans, minutes * 60_000);
  // The camera server runs on this machine too: what it takes, the pipeline does not get.
  const serverShare = (processCpuMs(serverPid) - cpu0) / ms / os.availableParallelism();
  const rows = plans.map((p) => {
    const w = written.get(p.id)!;
    const s = metrics.stream(p.id);
    // Rate over the camera's own span, past its first 10 s (connection and model warm-up).
    const steady = w.filter((f) => f.atMs >= 10_000);
    return { id: p.id, frames: w.length, fps: steadyFps(steady), dropped: s.dropped, latencies: w.map((f) => f.latencyMs), w };
  });
  const all = rows.flatMap((r) => r.w);
  const minuteP95 = (m: number) => quantile(all.filter((f) => f.atMs >= m * 60_000 && f.atMs < (m + 1) * 60_000).map((f) => f.latencyMs), 0.95);
  const inferMs = all.reduce((a, f) => a + f.inferMs, 0) / Math.max(1, all.length);
  return { rows, all, minuteP95, inferMs, minutes, serverShare };
}

function printCameras(title: string, r: Awaited<ReturnType<typeof cameras>>): void {
  const lat = r.all.map((f) => f.latencyMs);
  console.log(`\n[latency] ${title}`);
  console.log('  camera  frames   fps   dropped   latency p50 / p95 / max ms');
  for (const row of r.rows) {
    console.log(`  ${row.id.padEnd(7)} ${String(row.frames).padStart(6)} ${row.fps.toFixed(2).padStart(6)} ${String(row.dropped).padStart(8)}   ${quantile(row.latencies, 0.5).toFixed(0)} / ${quantile(row.latencies, 0.95).toFixed(0)} / ${Math.max(...row.latencies).toFixed(0)}`);
  }
  console.log(`  all     ${String(r.all.length).padStart(6)} ${r.rows.reduce((a, x) => a + x.fps, 0).toFixed(2).padStart(6)} ${String(r.rows.reduce((a, x) => a + x.dropped, 0)).padStart(8)}   ${quantile(lat, 0.5).toFixed(0)} / ${quantile(lat, 0.95).toFixed(0)} / ${Math.max(...lat).toFixed(0)}`);
  console.log(`  p95 latency by minute: ${Array.from({ length: r.minutes }, (_, m) => r.minuteP95(m).toFixed(0)).join(' ')} ms; the model's session.run ${r.inferMs.toFixed(1)} ms/frame`);
  console.log(`  the RTSP camera server (same machine) used ${(r.serverShare * 100).toFixed(1)} % of its CPU`);
}

async function main(): Promise<void> {
  const missing = rtspServerMissing();
  if (missing) throw new Error(`the RTSP server cannot run here: ${missing}`);
  if (!existsSync(source)) throw new Error(`no source clip at ${source} (give --source)`);
  const minutes = Number(values.minutes);
  const oneMinutes = Number(values['one-minutes']);
  const n = Number(values.cameras);
  const clip = loopedClip(source, Math.max(minutes, oneMinutes) * 60 + 120, tmp);
  const server = await startRtspServer(clip);
  try {
    const before = await fileMaxRate(clip, Number(values['file-frames']));
    console.log(`[latency] pipeline on one file input: ${before.toFixed(2)} fps`);
    const one = values['no-one'] ? null : await cameras(server.url, 1, oneMinutes, server.child.pid!);
    if (one) printCameras(`1 camera at 10 fps, ${oneMinutes} min`, one);
    const many = await cameras(server.url, n, minutes, server.child.pid!);
    printCameras(`${n} cameras at 10 fps (${n * 10} fps offered), ${minutes} min`, many);
    const after = await fileMaxRate(clip, Number(values['file-frames']));
    const maxRate = (before + after) / 2;
    console.log(`\n[latency] pipeline on one file input: ${before.toFixed(2)} fps before, ${after.toFixed(2)} after: ${maxRate.toFixed(2)} fps`);

    const onePass = one && { drops: one.rows[0].dropped === 0, p95: quantile(one.all.map((f) => f.latencyMs), 0.95) <= one.inferMs + 250 };
    const rates = many.rows.map((r) => r.fps);
    const aggregate = rates.reduce((a, b) => a + b, 0);
    const spread = Math.max(...rates) / Math.min(...rates);
    const firstFull = many.minuteP95(1);
    const last = many.minuteP95(minutes - 1);
    console.log('\n[latency] targets:');
    if (one && onePass) console.log(`  1 camera: dropped ${one.rows[0].dropped} (bar 0) ${onePass.drops ? 'ok' : 'FAIL'}; p95 ${quantile(one.all.map((f) => f.latencyMs), 0.95).toFixed(0)} ms vs model ${one.inferMs.toFixed(0)} + 250 ms ${onePass.p95 ? 'ok' : 'FAIL'}`);
    console.log(`  ${n} cameras: aggregate ${aggregate.toFixed(2)} fps / file ${maxRate.toFixed(2)} = ${(aggregate / maxRate).toFixed(3)} (bar 0.95) ${aggregate / maxRate >= 0.95 ? 'ok' : 'FAIL'}; ` +
      `camera rates ${rates.map((r) => r.toFixed(2)).join(', ')}: max/min ${spread.toFixed(3)} (bar 1.15) ${spread <= 1.15 ? 'ok' : 'FAIL'}; ` +
      `p95 minute 2 ${firstFull.toFixed(0)} ms, last ${last.toFixed(0)} ms (bar 1.2x) ${last <= firstFull * 1.2 ? 'ok' : 'FAIL'}`);
  } finally {
    server.child.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`[latency] ${(err as Error).message}`);
  process.exitCode = 1;
});
