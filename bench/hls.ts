/**
 * Latency and cost the live HLS view adds (`--hls DIR`), measured on its own sink:
 *
 *   npm run build && node dist/bench/hls.js [--seconds 30] [--fps 10] [--hls-time 1] [--size 1280x720]
 *
 * Frames (a synthetic clip's, at --size) are handed to the HLS sink in real time at --fps, as a
 * compositor of a live camera does. The playlist is polled every 10 ms; when a segment appears,
 *   newest-frame latency = appearance − the time its last frame was written (encode + mux),
 *   oldest-frame latency = appearance − the time its first frame was written (+ the segment length).
 * A player adds its own buffer on top (hls.js holds liveSyncDurationCount segments; the dashboard
 * sets it to 1). Also prints the ffmpeg child's CPU time per frame (the view's cost), and what
 * one dashboard thumbnail costs (thumbnail-sink.ts).
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HlsSink } from '../src/compositor/sinks/hls-sink.js';
import { ThumbnailSink } from '../src/compositor/sinks/thumbnail-sink.js';
import { childrenOf, processCpuMs } from './process-sample.js';
import { Logger } from '../src/core/log.js';
import { synthFrames } from '../src/synth/synth-frames.js';
import { rgbToYuv420 } from '../src/core/yuv420.js';
import type { StreamInfo } from '../src/core/types.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    fps: { type: 'string', default: '10' },
    'hls-time': { type: 'string', default: '1' },
    size: { type: 'string', default: '1280x720' },
  },
});
const seconds = Number(values.seconds);
const fps = Number(values.fps);
const hlsTime = Number(values['hls-time']);
const [W, H] = values.size!.split('x').map(Number) as [number, number];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}


/** CPU time of this process's waited-for children (utime + stime), in ms. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / 100; // cutime + cstime
}

/** The dashboard thumbnail (thumbnail-sink.ts): ffmpeg CPU and wall time per JPEG, at --size. */
async function thumbnailCost(pool: Uint8Array[], info: StreamInfo): Promise<void> {
  const n = 20;
  let jpegBytes = 0;
  let done!: () => void;
  let left = n;
  const all = new Promise<void>((r) => { done = r; });
  const sink = new ThumbnailSink('bench', { everyMs: 0, publish: async (_id, jpeg) => { jpegBytes += jpeg.length; if (--left === 0) done(); } }, new Logger({ level: 'warn' }));
  await sink.open(info);
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await sink.write({ result: { streamId: 'bench', seq: i, ptsMs: i * 100, width: info.width, height: info.height, instances: [] }, yuv: pool[i % pool.length] });
    await sink.close(); // one at a time: the sink skips a thumbnail while the previous is being made
  }
  await all;
  const wall = (performance.now() - t0) / n;
  const cpu = (childrenCpuMs() - cpu0) / n;
  console.log(`[hls] thumbnail (320 px JPEG of a ${info.width}x${info.height} frame): ${cpu.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall, ${(jpegBytes / n / 1024).toFixed(1)} KB each; at one per 5 s: ${(cpu / 50).toFixed(2)} % of one core`);
}

async function main(): Promise<void> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'segstream-hls-bench-')), 'view');
  const n = Math.round(seconds * fps);
  // A few distinct frames cycled: the content only needs to move, not to be new each time.
  const pool: Uint8Array[] = [];
  for (const f of synthFrames({ seed: 5, frames: 30, width: W, height: H })) pool.push(rgbToYuv420(f.rgb, W, H));
  const info: StreamInfo = { streamId: 'bench', source: 'synthetic', width: W, height: H, fps, durationMs: null, hasAudio: false, audioCodec: null, live: true, startedAt: new Date().toISOString() };
  const sink = new HlsSink({ dir, segmentSeconds: hlsTime, listSize: 6 }, new Logger({ level: 'warn' }));
  await sink.open(info);

  const writtenAt: number[] = [];
  const appeared = new Map<string, number>();
  const order: { name: string; seconds: number }[] = [];
  const poll = setInterval(() => {
    const file = path.join(dir, 'index.m3u8');
    if (!existsSync(file)) return;
    const now = performance.now();
    let dur = NaN;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^#EXTINF:([\d.]+)/.exec(line);
      if (m) dur = Number(m[1]);
      else if (line && !line.startsWith('#') && !appeared.has(line)) { appeared.set(line, now); order.push({ name: line, seconds: dur }); }
    }
  }, 10);

  const t0 = performance.now();
  let ffmpegPid: number | undefined;
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / fps;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    writtenAt.push(performance.now());
    await sink.write({ result: { streamId: 'bench', seq: i, ptsMs: (i * 1000) / fps, width: W, height: H, instances: [] }, yuv: pool[i % pool.length] });
    ffmpegPid ??= childrenOf(process.pid)[0];
  }
  const cpu = ffmpegPid ? processCpuMs(ffmpegPid) : NaN;
  clearInterval(poll);
  await sink.close();

  const newest: number[] = [];
  const oldest: number[] = [];
  let frame = 0;
  for (const seg of order) {
    const frames = Math.round(seg.seconds * fps);
    const first = frame;
    const last = frame + frames - 1;
    frame += frames;
    if (last >= writtenAt.length) break; // the final segment, flushed by close
    newest.push(appeared.get(seg.name)! - writtenAt[last]);
    oldest.push(appeared.get(seg.name)! - writtenAt[first]);
  }
  console.log(`[hls] ${W}x${H} at ${fps} fps for ${seconds} s, ${hlsTime} s segments: ${newest.length} segments timed`);
  console.log(`[hls] newest frame of a segment to playlist: p50 ${quantile(newest, 0.5).toFixed(0)} ms, p95 ${quantile(newest, 0.95).toFixed(0)} ms, max ${Math.max(...newest).toFixed(0)} ms`);
  console.log(`[hls] oldest frame of a segment to playlist: p50 ${quantile(oldest, 0.5).toFixed(0)} ms, p95 ${quantile(oldest, 0.95).toFixed(0)} ms, max ${Math.max(...oldest).toFixed(0)} ms`);
  console.log(`[hls] ffmpeg CPU ${(cpu / n).toFixed(1)} ms per frame (${((cpu / (n / fps)) / 10).toFixed(1)} % of one core)`);
  await thumbnailCost(pool, info);
  rmSync(path.dirname(dir), { recursive: true, force: true });
}

main().catch((err) => {
  console.error(`[hls] ${(err as Error).message}`);
  process.exitCode = 1;
});
