import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { blackYuv420, rgbToYuv, rgbToYuv420, yuv420Layout, yuv420Size, yuv420ToRgb, yuvToRgb } from '../../src/core/yuv420.js';

/** ffmpeg's test pattern as rgb24. */
function testsrc(w: number, h: number): Uint8Array {
  return execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=1`, '-frames:v', '1',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
}

/** ffmpeg converting raw frames from one pixel format to another. */
function convert(raw: Uint8Array, from: string, to: string, w: number, h: number): Uint8Array {
  return execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', from, '-s', `${w}x${h}`, '-i', '-',
    '-f', 'rawvideo', '-pix_fmt', to, '-'], { input: raw, maxBuffer: 64 << 20 });
}

describe('I420 layout and colour conversion', () => {
  it('lays out Y, then U and V at half size rounded up (odd sizes included)', () => {
    expect(yuv420Layout(4, 2)).toEqual({ width: 4, height: 2, chromaWidth: 2, chromaHeight: 1, uOffset: 8, vOffset: 10, size: 12 });
    expect(yuv420Size(1280, 720)).toBe(1280 * 720 * 1.5);
    expect(yuv420Size(5, 3)).toBe(15 + 2 * 3 * 2);
    const black = blackYuv420(3, 3);
    expect(Array.from(black)).toEqual([16, 16, 16, 16, 16, 16, 16, 16, 16, 128, 128, 128, 128, 128, 128, 128, 128]);
  });

  it('converts reference colours as BT.601 limited range', () => {
    expect(rgbToYuv([255, 255, 255])).toEqual([235, 128, 128]);
    expect(rgbToYuv([0, 0, 0])).toEqual([16, 128, 128]);
    expect(rgbToYuv([255, 0, 0])).toEqual([81, 90, 240]);
    expect(rgbToYuv([0, 0, 255])).toEqual([41, 240, 110]);
    for (const c of [[255, 0, 0], [12, 200, 99], [128, 128, 128], [250, 240, 10]] as [number, number, number][]) {
      const back = yuvToRgb(...rgbToYuv(c));
      for (let k = 0; k < 3; k++) expect(Math.abs(back[k] - c[k])).toBeLessThanOrEqual(2);
    }
  });

  it("agrees with ffmpeg's rgb24 <-> yuv420p conversion on its test pattern", () => {
    const w = 64, h = 48;
    const rgb = testsrc(w, h);
    const yuv = convert(rgb, 'rgb24', 'yuv420p', w, h);
    const ours = rgbToYuv420(rgb, w, h);
    let maxY = 0;
    for (let i = 0; i < w * h; i++) maxY = Math.max(maxY, Math.abs(ours[i] - yuv[i]));
    expect(maxY).toBeLessThanOrEqual(2);
    // And back: ours against ffmpeg's yuv420p -> rgb24 of the same bytes.
    const theirs = convert(yuv, 'yuv420p', 'rgb24', w, h);
    const back = yuv420ToRgb(yuv, w, h);
    let maxRgb = 0;
    for (let i = 0; i < rgb.length; i++) maxRgb = Math.max(maxRgb, Math.abs(back[i] - theirs[i]));
    expect(maxRgb).toBeLessThanOrEqual(3);
  });
});
