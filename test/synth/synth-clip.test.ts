import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { synthFrames } from '../../src/synth/synth-frames.js';
import { synthGroundTruth, writeSynthClip } from '../../src/synth/synth-clip.js';
import type { CocoGt } from '../../src/synth/coco-gt.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'segstream-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decodes a whole video to packed rgb24 with the ffmpeg binary. */
function decodeRgb(file: string): Buffer {
  return execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    maxBuffer: 1 << 30,
  });
}

function meanAbsError(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

describe('writeSynthClip', () => {
  it('writes an H.264 MP4 that decodes to the rendered frames, and the COCO GT beside it', async () => {
    const out = path.join(dir, 'clip.mp4');
    const opts = { seed: 7, frames: 30, width: 320, height: 240, fps: 10 };
    const res = await writeSynthClip(out, opts);
    expect(res.video).toBe(out);
    expect(res.groundTruth).toBe(path.join(dir, 'clip.json'));
    expect(res.frames).toBe(30);
    expect(existsSync(out)).toBe(true);

    const gt = JSON.parse(readFileSync(res.groundTruth, 'utf8')) as CocoGt;
    expect(res.instances).toBe(gt.annotations.length);
    expect(gt.images.length).toBe(30);
    expect(gt.images[3]).toMatchObject({ id: 4, seq: 3, file_name: 'clip.mp4#3', width: 320, height: 240, ptsMs: 300 });
    // Same GT as the in-memory generator.
    expect(gt).toEqual(synthGroundTruth(opts, 'clip.mp4'));

    const raw = decodeRgb(out);
    const frameBytes = 320 * 240 * 3;
    expect(raw.length).toBe(30 * frameBytes);
    // H.264 at CRF 12 stays close to what was rendered.
    const rendered = [...synthFrames(opts)];
    for (const seq of [0, 15, 29]) {
      const mae = meanAbsError(raw.subarray(seq * frameBytes, (seq + 1) * frameBytes), rendered[seq].rgb);
      expect(mae, `frame ${seq}`).toBeLessThan(4);
    }
    // The match is frame for frame (not just "some similar frame"): another frame is much farther.
    const other = meanAbsError(raw.subarray(0, frameBytes), rendered[29].rgb);
    expect(other).toBeGreaterThan(meanAbsError(raw.subarray(0, frameBytes), rendered[0].rgb) * 2);
  });

  it('honours width, height, fps and a non-.mp4 name', async () => {
    const out = path.join(dir, 'small.video');
    const res = await writeSynthClip(out, { seed: 1, frames: 5, width: 96, height: 64, fps: 25 });
    expect(res.groundTruth).toBe(`${out}.json`);
    expect(decodeRgb(out).length).toBe(5 * 96 * 64 * 3);
    const gt = JSON.parse(readFileSync(res.groundTruth, 'utf8')) as CocoGt;
    expect(gt.info).toMatchObject({ width: 96, height: 64, fps: 25, frames: 5 });
    expect(gt.images.map((im) => im.ptsMs)).toEqual([0, 40, 80, 120, 160]);
    // ffmpeg reports the frame rate it was given.
    let info = '';
    try {
      execFileSync(ffmpegPath(), ['-hide_banner', '-i', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      info = String((e as { stderr?: string }).stderr ?? '');
    }
    expect(info).toMatch(/h264/);
    expect(info).toMatch(/96x64/);
    expect(info).toMatch(/25 fps/);
  });

  it('fails with a clear error when the output cannot be written, leaving nothing behind', async () => {
    const out = path.join(dir, 'no-such-dir-file', 'x.mp4');
    // A directory where the file should go: the clip, written under a hidden name, cannot take its place.
    const blocker = path.join(dir, 'blocked.mp4');
    execFileSync('mkdir', ['-p', blocker]);
    await expect(writeSynthClip(blocker, { seed: 1, frames: 3, width: 64, height: 48 })).rejects.toThrow(/^cannot write '.*blocked\.mp4': EISDIR/);
    expect(existsSync(path.join(dir, 'blocked.json'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.partial'))).toEqual([]);
    // Missing parent directories are created.
    await expect(writeSynthClip(out, { seed: 1, frames: 2, width: 64, height: 48 })).resolves.toMatchObject({ frames: 2 });
  });
});
