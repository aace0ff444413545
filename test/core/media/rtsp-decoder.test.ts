/**
 * VideoDecoder against a real RTSP server (test/fixtures/rtsp/serve.py: GStreamer, loopback, TCP,
 * the file's H.264 re-streamed in real time from the start for each client). Skipped with a
 * message when /usr/bin/python3 cannot load GStreamer's RTSP server (see test/integration/rtsp.test.ts).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestClip } from '../../../src/core/media/test-clip.js';
import { VideoDecoder, type DecodedFrame } from '../../../src/core/media/video-decoder.js';
import { alive, waitFor } from './media-helpers.js';
import { tempDir } from '../../helpers.js';
import { PYTHON, rtspServerMissing, startRtspServer } from '../../fixtures/rtsp/rtsp-server.js';



const missing = rtspServerMissing();
if (missing) console.warn(`[segstream tests] RTSP decoder tests SKIPPED: ${PYTHON} cannot run a GStreamer RTSP server (${missing})`);

let tmp: ReturnType<typeof tempDir> | null = null;
const file = (n: string): string => tmp!.file(n);
let servers: ChildProcess[] = [];

/** Starts the RTSP server and remembers it for the afterEach cleanup. */
async function startServer(clip: string): Promise<{ url: string; child: ChildProcess }> {
  const server = await startRtspServer(clip);
  servers.push(server.child);
  return server;
}

async function collect(d: VideoDecoder, each?: (f: DecodedFrame) => Promise<void> | void): Promise<DecodedFrame[]> {
  const out: DecodedFrame[] = [];
  for await (const f of d.frames()) {
    out.push(f);
    await each?.(f);
  }
  return out;
}

describe.skipIf(missing !== null)('VideoDecoder over RTSP (GStreamer server, loopback, TCP)', () => {
  beforeAll(async () => {
    tmp = tempDir('rtsp');
    await Promise.all([
      makeTestClip(file('long.mp4'), { width: 160, height: 96, fps: 25, seconds: 20 }),
      makeTestClip(file('short.mp4'), { width: 160, height: 96, fps: 25, seconds: 2 }),
      makeTestClip(file('slow.mp4'), { width: 160, height: 96, fps: 5, seconds: 20 }),
    ]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(
      servers.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        c.kill('SIGCONT');
        c.kill('SIGKILL');
        await new Promise((r) => c.once('exit', r));
      }),
    );
    servers = [];
  });
  afterAll(() => tmp?.cleanup());

  it('PTS start at 0 and step by one frame (no mis-timed probe frames); fps from tbr; exactly maxFrames', async () => {
    const { url } = await startServer(file('long.mp4'));
    const d = new VideoDecoder(url, 'r1', { maxFrames: 30 });
    const info = await d.info();
    expect(info).toMatchObject({ width: 160, height: 96, fps: 25, live: true });
    const frames = await collect(d);
    expect(frames.map((f) => f.ptsMs)).toEqual([...Array(30).keys()].map((k) => k * 40));
    expect(d.end()).toMatchObject({ frames: 30, firstPtsMs: 0, lastPtsMs: 29 * 40, reason: 'maxFrames', misTimed: 0 });
    expect(d.end().error).toBeUndefined();
  });

  it('dropOldest with a slow consumer: exactly maxFrames delivered, whole-frame PTS steps, ffmpeg stopped', async () => {
    const { url } = await startServer(file('long.mp4'));
    const d = new VideoDecoder(url, 'r2', { maxFrames: 15, dropOldest: true, bufferFrames: 2 });
    let pid: number | undefined;
    const frames = await collect(d, async () => {
      pid ??= d.pid;
      await new Promise((r) => setTimeout(r, 80)); // half the source's rate
    });
    expect(frames.length).toBe(15);
    expect(frames.map((f) => f.seq)).toEqual([...Array(15).keys()]);
    expect(frames[0].ptsMs).toBe(0);
    for (let i = 1; i < frames.length; i++) {
      const k = (frames[i].ptsMs - frames[i - 1].ptsMs) / 40;
      expect(k >= 1 && Number.isInteger(k), `steps: ${frames.map((f) => f.ptsMs).join(' ')}`).toBe(true);
    }
    expect(d.end()).toMatchObject({ frames: 15, reason: 'maxFrames' });
    expect(d.end().error).toBeUndefined();
    expect(d.end().dropped).toBeGreaterThan(0);
    expect(await waitFor(() => !alive(pid), 5000)).toBe(true);
  });

  it('a complete VOD clip read to its end ends cleanly (eof, no error)', async () => {
    const { url } = await startServer(file('short.mp4'));
    const d = new VideoDecoder(url, 'r3');
    const frames = await collect(d);
    expect(frames.map((f) => f.ptsMs)).toEqual([...Array(50).keys()].map((k) => k * 40));
    expect(d.end()).toMatchObject({ frames: 50, reason: 'eof', exitCode: 0 });
    expect(d.end().error).toBeUndefined();
  });

  it('the server dies mid-stream: ffmpeg exits 0, but end() says the stream was cut short', async () => {
    const { url, child } = await startServer(file('long.mp4'));
    const d = new VideoDecoder(url, 'r4');
    const frames = await collect(d, (f) => {
      if (f.seq === 10) child.kill('SIGKILL');
    });
    expect(frames.length).toBeGreaterThanOrEqual(11);
    expect(frames.length).toBeLessThan(400);
    const end = d.end();
    expect(end).toMatchObject({ reason: 'error', frames: frames.length });
    // where it stopped in seconds (no frame count: callers give the count of frames they kept)
    expect(end.error).toMatch(/^the RTSP server closed the connection at \d+\.\d\d s of 20\.00 s \(input 'rtsp:\/\/127\.0\.0\.1:\d+\/test'\)$/);
  });

  it('a 5 fps source with a 3 s stall timeout does not stall on the connect/probe time', async () => {
    const { url } = await startServer(file('slow.mp4'));
    const d = new VideoDecoder(url, 'r5', { maxFrames: 8, stallTimeoutMs: 3000 });
    const frames = await collect(d);
    expect(frames.map((f) => f.ptsMs)).toEqual([...Array(8).keys()].map((k) => k * 200));
    expect(d.end()).toMatchObject({ frames: 8, reason: 'maxFrames' });
    expect(d.end().error).toBeUndefined();
  });
});
