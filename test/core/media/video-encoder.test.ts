import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveMediaChildren } from '../../../src/core/media/process.js';
import { runFfmpeg } from '../../../src/core/media/run-ffmpeg.js';
import { makeTestClip, probeVideo, type VideoProbe } from '../../../src/core/media/test-clip.js';
import { VideoDecoder } from '../../../src/core/media/video-decoder.js';
import { VideoEncoder, type EncodeResult } from '../../../src/core/media/video-encoder.js';
import { decodeEncode, waitFor } from './media-helpers.js';
import { tempDir } from '../../helpers.js';
import { yuv420Size } from '../../../src/core/yuv420.js';

const tmp = tempDir('enc');
afterAll(() => tmp.cleanup());

const quiet = { info: () => undefined, warn: () => undefined };

async function roundTrip(src: string, out: string, opts: { maxFrames?: number } = {}): Promise<EncodeResult> {
  const { result, end } = await decodeEncode(src, out, { ...opts, logger: quiet });
  expect(end.error).toBeUndefined();
  return result;
}

function expectSameTiming(a: VideoProbe, b: VideoProbe): void {
  expect(b.frames).toBe(a.frames);
  expect(Math.abs(b.durationMs - a.durationMs)).toBeLessThanOrEqual(1);
  // Constant-rate sources come back with the same PTS, to the µs.
  const maxDiff = Math.max(...a.ptsMs.map((p, i) => Math.abs(p - b.ptsMs[i] + b.ptsMs[0] - a.ptsMs[0])));
  expect(maxDiff).toBeLessThanOrEqual(0.002);
}

describe('VideoEncoder round trip (decode → encode → probe)', () => {
  const cases: Array<[string, string, number, string]> = [
    ['25 fps', '25', 50, '25'],
    ['30000/1001', '30000/1001', 60, '30000/1001'],
    ['24000/1001', '24000/1001', 48, '24000/1001'],
  ];
  for (const [name, fps, frames, rate] of cases) {
    it(`keeps frame count, duration and PTS: ${name}`, async () => {
      const src = tmp.file(`src-${name.replace(/\W/g, '_')}.mp4`);
      const out = tmp.file(`out-${name.replace(/\W/g, '_')}.mp4`);
      await makeTestClip(src, { width: 320, height: 180, fps, seconds: 2 });
      const r = await roundTrip(src, out);
      expect(r).toMatchObject({ frames, rate, audio: 'none' });
      const [a, b] = await Promise.all([probeVideo(src), probeVideo(out)]);
      expect(a.frames).toBe(frames);
      expectSameTiming(a, b);
      expect(Math.abs(r.durationMs - b.durationMs)).toBeLessThanOrEqual(0.001 * frames);
      expect([b.width, b.height, b.hasAudio]).toEqual([320, 180, false]);
    });
  }

  it('copies AAC audio (and keeps video timing)', async () => {
    const src = tmp.file('av.mp4');
    const out = tmp.file('av-out.mp4');
    await makeTestClip(src, { width: 320, height: 180, fps: '30000/1001', seconds: 2, audio: true });
    const r = await roundTrip(src, out);
    expect(r.audio).toBe('copy');
    const [a, b] = await Promise.all([probeVideo(src), probeVideo(out)]);
    expectSameTiming(a, b);
    expect(b).toMatchObject({ hasAudio: true, audioCodec: 'aac' });
  });

  it('trims the audio to a video cut short (maxFrames)', async () => {
    const src = tmp.file('av-long.mp4');
    const out = tmp.file('av-cut.mp4');
    await makeTestClip(src, { width: 160, height: 96, fps: 25, seconds: 4, audio: true });
    const r = await roundTrip(src, out, { maxFrames: 30 });
    expect(r).toMatchObject({ frames: 30, durationMs: 1200, audio: 'copy' });
    const b = await probeVideo(out);
    expect(b.frames).toBe(30);
    expect(b.durationMs).toBeCloseTo(1200, 3);
    expect(b.hasAudio).toBe(true);
    // container = longest track: copied audio is cut at packet boundaries, so it may run up to
    // two AAC frames (2 × 21.3 ms, with the encoder priming) past the video
    expect(b.containerDurationMs! - 1200).toBeGreaterThanOrEqual(-10);
    expect(b.containerDurationMs! - 1200).toBeLessThanOrEqual(45);
  });

  it('transcodes non-AAC/MP3 audio (PCM) to AAC', async () => {
    const src = tmp.file('pcm.mov');
    await runFfmpeg(['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x96:rate=25', '-f', 'lavfi', '-i', 'sine',
      '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', src], 30_000, 'pcm clip');
    const probe = new VideoDecoder(src, 'p');
    const info = await probe.info();
    probe.close();
    expect(info.audioCodec).toBe('pcm_s16le');
    const out = tmp.file('pcm-out.mp4');
    const r = await roundTrip(src, out);
    expect(r.audio).toBe('aac');
    expect(await probeVideo(out)).toMatchObject({ frames: 25, hasAudio: true, audioCodec: 'aac' });
  });

  it('skips audio, saying why, when its source is live or unreadable', async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => void warnings.push(m) };
    for (const source of ['rtsp://127.0.0.1:1/cam', tmp.file('gone.mp4')]) {
      const out = tmp.file('noaudio.mp4');
      const enc = new VideoEncoder(out, { width: 64, height: 64, audio: { source, codec: 'aac' }, logger });
      for (let i = 0; i < 3; i++) await enc.write(new Uint8Array(yuv420Size(64, 64)).fill(i * 60));
      const r = await enc.finish({ firstPtsMs: 0, lastPtsMs: 80 });
      expect(r).toMatchObject({ frames: 3, rate: '25', durationMs: 120, audio: 'none' });
      expect(r.audioSkipped).toMatch(/live|not readable/);
      expect((await probeVideo(out)).hasAudio).toBe(false);
    }
    expect(warnings).toHaveLength(2);
  });

  it('handles odd sizes (padded to even), one frame, and back-to-back writes of one reused buffer', async () => {
    const out = tmp.file('odd.mp4');
    const enc = new VideoEncoder(out, { width: 99, height: 51, logger: quiet });
    await enc.write(new Uint8Array(yuv420Size(99, 51)).fill(200));
    const r = await enc.finish({ firstPtsMs: 5, lastPtsMs: 5 });
    expect(r).toMatchObject({ frames: 1, rate: '25', durationMs: 40 });
    expect(await probeVideo(out)).toMatchObject({ frames: 1, width: 100, height: 52 });

    const out2 = tmp.file('reuse.mp4');
    const enc2 = new VideoEncoder(out2, { width: 64, height: 48, logger: quiet });
    const buf = new Uint8Array(yuv420Size(64, 48));
    for (let i = 0; i < 10; i++) {
      buf.fill(i * 25);
      await enc2.write(buf);
    }
    const r2 = await enc2.finish({ firstPtsMs: 0, lastPtsMs: 900 });
    expect(r2).toMatchObject({ frames: 10, rate: '10', durationMs: 1000 });
    // every frame kept its own content: decoded brightness rises frame by frame
    const d = new VideoDecoder(out2, 'reuse');
    const means: number[] = [];
    for await (const f of d.frames()) means.push(f.yuv.reduce((s, v) => s + v, 0) / f.yuv.length);
    expect(means).toHaveLength(10);
    for (let i = 1; i < 10; i++) expect(means[i]).toBeGreaterThan(means[i - 1] + 10);
  });

  it('rejects frames of the wrong size and finish() without frames', async () => {
    const enc = new VideoEncoder(tmp.file('bad.mp4'), { width: 64, height: 48, logger: quiet });
    await expect(enc.write(new Uint8Array(10))).rejects.toThrow(/expected 4608/);
    await expect(enc.finish({ firstPtsMs: null, lastPtsMs: null })).rejects.toThrow(/no frames/);
    enc.abort();
  });

  it('abort() kills ffmpeg and removes the intermediate and partial files', async () => {
    // Its own intermediate directory: other test files run encoders in os.tmpdir() at the same time.
    const work = tmp.file('abort-work');
    mkdirSync(work);
    const out = tmp.file('aborted.mp4');
    const enc = new VideoEncoder(out, { width: 320, height: 240, logger: quiet, tmpDir: work });
    for (let i = 0; i < 5; i++) await enc.write(new Uint8Array(yuv420Size(320, 240)).fill(i));
    const mine = readdirSync(work).filter((n) => n.startsWith('segstream-enc-'));
    expect(mine).toHaveLength(1);
    enc.abort();
    enc.abort();
    expect(existsSync(path.join(work, mine[0]))).toBe(false);
    expect(existsSync(out)).toBe(false);
    await expect(enc.write(new Uint8Array(yuv420Size(320, 240)))).rejects.toThrow(/aborted/);
    const gone = await waitFor(() => liveMediaChildren() === 0, 3000);
    expect(gone, `${liveMediaChildren()} children left`).toBe(true);
  });

  it('leaves no temp files after a successful finish', () => {
    const left = readdirSync(tmp.dir).filter((n) => n.includes('.partial.'));
    expect(left).toEqual([]);
  });
});

describe('encoder timing on a variable-rate source', () => {
  it('uses the average rate over the span: frames and total duration kept', async () => {
    // 20 frames with jittered timestamps (VFR), made by setpts.
    const src = tmp.file('vfr.mkv');
    await runFfmpeg(['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x96:rate=25', '-frames:v', '20',
      '-vf', "settb=1/1000,setpts='(N*40+if(mod(N\\,2)\\,7\\,0))/1000/TB'", '-vsync', 'passthrough', '-enc_time_base', '1/1000', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', src], 30_000, 'vfr');
    const out = tmp.file('vfr-out.mp4');
    const r = await roundTrip(src, out);
    const [a, b] = await Promise.all([probeVideo(src), probeVideo(out)]);
    expect(a.frames).toBe(20);
    expect(b.frames).toBe(20);
    expect(a.lastPtsMs! - a.firstPtsMs!).toBeCloseTo(19 * 40 + 7, 3);
    expect(b.lastPtsMs! - b.firstPtsMs!).toBeCloseTo(a.lastPtsMs! - a.firstPtsMs!, 2);
    expect(Math.abs(r.durationMs - ((19 * 40 + 7) * 20) / 19)).toBeLessThanOrEqual(0.002); // rate snapped within the ±1 µs PTS quantisation
  });
});
