/**
 * Per-frame cost of the media module at 720p. Opt-in (it takes ~30 s and prints numbers):
 *
 *   SEGSTREAM_MEDIA_BENCH=1 npx vitest run test/core/media/media-perf.test.ts
 *
 * Source: the first 10 s of bottles.mp4 upscaled to 1280x720 (real footage), else testsrc2.
 * Wall ms/frame are what the pipeline sees; ffmpeg CPU ms/frame come from the reaped children's
 * CPU time (/proc/self/stat cutime+cstime), so they include every ffmpeg thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runFfmpeg } from '../../../src/core/media/run-ffmpeg.js';
import { makeTestClip, probeVideo } from '../../../src/core/media/test-clip.js';
import { VideoDecoder, type DecodedFrame } from '../../../src/core/media/video-decoder.js';
import { VideoEncoder } from '../../../src/core/media/video-encoder.js';
import { sharedMedia, tempDir } from '../../helpers.js';

const enabled = process.env['SEGSTREAM_MEDIA_BENCH'] === '1';

/** CPU ms used by children this process has reaped (Linux). */
function childCpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // fields after "(comm)": state=0 ... cutime=13, cstime=14 (stat fields 16, 17)
  const ticks = Number(rest[13]) + Number(rest[14]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

function nodeMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

describe.skipIf(!enabled)('media per-frame cost at 1280x720', () => {
  it('decode, encode, and both pipelined', async () => {
    const tmp = tempDir('perf');
    onTestFinished(() => tmp.cleanup());
    const src = tmp.file('720p.mp4');
    const bottles = path.join(sharedMedia, 'bottles.mp4');
    if (existsSync(bottles)) {
      await runFfmpeg(['-nostdin', '-loglevel', 'error', '-y', '-i', bottles, '-t', '10', '-vf', 'scale=1280:720', '-c:v', 'libx264',
        '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-an', src], 120_000, '720p source');
    } else {
      await makeTestClip(src, { width: 1280, height: 720, fps: 25, seconds: 10, preset: 'veryfast' });
    }
    const n = (await probeVideo(src)).frames;

    // 1. decode only (the consumer drops frames as fast as they come)
    let cpu0 = childCpuMs();
    let node0 = process.cpuUsage();
    let t0 = performance.now();
    const dec = new VideoDecoder(src, 'bench');
    let count = 0;
    for await (const f of dec.frames()) if (f.yuv.length) count++;
    const decodeWall = (performance.now() - t0) / count;
    const decodeCpu = (childCpuMs() - cpu0) / count;
    const decodeNode = nodeMs(process.cpuUsage(node0)) / count;
    expect(count).toBe(n);

    // 2. encode only: 100 frames already in memory, write + finish
    const keep: DecodedFrame[] = [];
    for await (const f of new VideoDecoder(src, 'keep', { maxFrames: 100 }).frames()) keep.push(f);
    cpu0 = childCpuMs();
    node0 = process.cpuUsage();
    t0 = performance.now();
    const enc = new VideoEncoder(tmp.file('enc.mp4'), { width: 1280, height: 720 });
    for (const f of keep) await enc.write(f.yuv);
    const tw = performance.now();
    await enc.finish({ firstPtsMs: keep[0].ptsMs, lastPtsMs: keep.at(-1)!.ptsMs });
    const encodeWall = (performance.now() - t0) / keep.length;
    const finishMs = performance.now() - tw;
    const encodeCpu = (childCpuMs() - cpu0) / keep.length;
    const encodeNode = nodeMs(process.cpuUsage(node0)) / keep.length;
    keep.length = 0;

    // 3. decode → encode pipelined over the whole clip
    cpu0 = childCpuMs();
    node0 = process.cpuUsage();
    t0 = performance.now();
    const d2 = new VideoDecoder(src, 'bench2');
    const e2 = new VideoEncoder(tmp.file('pipe.mp4'), { width: 1280, height: 720 });
    for await (const f of d2.frames()) await e2.write(f.yuv);
    const end = d2.end();
    await e2.finish({ firstPtsMs: end.firstPtsMs, lastPtsMs: end.lastPtsMs });
    const bothWall = (performance.now() - t0) / end.frames;
    const bothCpu = (childCpuMs() - cpu0) / end.frames;
    const bothNode = nodeMs(process.cpuUsage(node0)) / end.frames;

    const r = (x: number) => x.toFixed(2);
    console.log(
      `[media bench] 1280x720, ${n} frames, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0].toFixed(1)}\n` +
        `  decode only  : ${r(decodeWall)} ms/frame wall, ${r(decodeCpu)} ffmpeg CPU, ${r(decodeNode)} node CPU\n` +
        `  encode only  : ${r(encodeWall)} ms/frame wall (veryfast, crf 23; finish ${finishMs.toFixed(0)} ms per 100 frames included), ${r(encodeCpu)} ffmpeg CPU, ${r(encodeNode)} node CPU\n` +
        `  decode→encode: ${r(bothWall)} ms/frame wall, ${r(bothCpu)} ffmpeg CPU, ${r(bothNode)} node CPU`,
    );
  }, 300_000);
});
