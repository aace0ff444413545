/**
 * Round trips on the real clips in ../shared/media (see its ATTRIBUTION.md). Skipped, with a
 * message, in a checkout that has no ../shared beside it.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../../src/core/media/test-clip.js';
import { VideoDecoder } from '../../../src/core/media/video-decoder.js';
import { decodeEncode } from './media-helpers.js';
// Without ../shared/media, test/helpers.ts says these are skipped.
import { hasSharedMedia, sharedMedia, tempDir } from '../../helpers.js';

const tmp = tempDir('real');
afterAll(() => tmp.cleanup());
const quiet = { info: () => undefined, warn: () => undefined };

describe.skipIf(!hasSharedMedia)('real footage (../shared/media)', () => {
  it('bottles.mp4 (640x360, odd 29.83 fps): all 1189 frames, duration and every PTS kept', async () => {
    const src = path.join(sharedMedia, 'bottles.mp4');
    const d = new VideoDecoder(src, 'b');
    const info = await d.info();
    d.close();
    expect(info).toMatchObject({ width: 640, height: 360, hasAudio: false, live: false, durationMs: 39860 });
    expect(info.fps).toBeCloseTo(29.83, 2);

    const out = tmp.file('bottles.mp4');
    const { result, end } = await decodeEncode(src, out, { logger: quiet });
    expect(end).toMatchObject({ frames: 1189, firstPtsMs: 0, reason: 'eof' });
    expect(end.lastPtsMs).toBeCloseTo((1188 * 384 * 1000) / 11456, 3); // 384/11456 s per frame
    expect(result.rate).toBe('179/6'); // = 11456/384
    const [a, b] = await Promise.all([probeVideo(src), probeVideo(out)]);
    expect(a.frames).toBe(1189);
    expect(b.frames).toBe(1189);
    expect(Math.abs(a.durationMs - 39854.75)).toBeLessThan(0.01);
    expect(Math.abs(b.durationMs - a.durationMs)).toBeLessThanOrEqual(0.01);
    expect(Math.max(...a.ptsMs.map((p, i) => Math.abs(p - b.ptsMs[i])))).toBeLessThanOrEqual(0.001);
    expect([b.width, b.height, b.hasAudio]).toEqual([640, 360, false]);
  });

  it('parking-lot.mp4 (768x432, 12.5 fps, AAC): frames, duration and audio kept', async () => {
    const src = path.join(sharedMedia, 'parking-lot.mp4');
    const out = tmp.file('parking.mp4');
    const { result, end } = await decodeEncode(src, out, { logger: quiet });
    expect(end).toMatchObject({ frames: 377, firstPtsMs: 0, lastPtsMs: 30080, reason: 'eof' });
    expect(result).toMatchObject({ frames: 377, rate: '25/2', durationMs: 30160, audio: 'copy' });
    const [a, b] = await Promise.all([probeVideo(src), probeVideo(out)]);
    expect(b.frames).toBe(a.frames);
    expect(b.durationMs).toBe(a.durationMs);
    expect(b.ptsMs).toEqual(a.ptsMs);
    expect(b).toMatchObject({ width: 768, height: 432, hasAudio: true, audioCodec: 'aac' });
    // the source's audio runs 50 ms past its video; the output's is trimmed to the video
    expect(a.containerDurationMs).toBe(30210);
    expect(b.containerDurationMs).toBe(30160);
  });

  it('parking-lot.mp4 cut at 50 frames: 4 s of video, audio trimmed to it', async () => {
    const out = tmp.file('parking-50.mp4');
    const { result } = await decodeEncode(path.join(sharedMedia, 'parking-lot.mp4'), out, { maxFrames: 50, logger: quiet });
    expect(result).toMatchObject({ frames: 50, durationMs: 4000, audio: 'copy' });
    const b = await probeVideo(out);
    expect(b).toMatchObject({ frames: 50, durationMs: 4000, hasAudio: true, audioCodec: 'aac' });
    expect(b.containerDurationMs! - 4000).toBeLessThanOrEqual(45);
  });
});
