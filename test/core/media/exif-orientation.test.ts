import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { exifOrientation, orientationFilter } from '../../../src/core/media/exif-orientation.js';
import { ffmpegPath } from '../../../src/core/media/ffmpeg-path.js';
import { withExifOrientation } from '../../batch/exif-fixture.js';

/** A real JPEG made by ffmpeg (no EXIF of its own). */
const jpeg = execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1']);

describe('EXIF orientation reader', () => {
  it('reads 1..8 from big- and little-endian TIFF blocks, after a JFIF APP0', () => {
    expect(jpeg[0]).toBe(0xff);
    expect(exifOrientation(jpeg)).toBe(1); // none: as stored
    for (const o of [1, 2, 3, 4, 5, 6, 7, 8]) {
      expect(exifOrientation(withExifOrientation(jpeg, o, 'MM'))).toBe(o);
      expect(exifOrientation(withExifOrientation(jpeg, o, 'II'))).toBe(o);
    }
  });

  it('ignores what is not a JPEG, a truncated header and an out-of-range value', () => {
    expect(exifOrientation(Buffer.from('hello'))).toBe(1);
    const six = withExifOrientation(jpeg, 6);
    expect(exifOrientation(six.subarray(0, 30))).toBe(1);
    expect(exifOrientation(withExifOrientation(jpeg, 9))).toBe(1);
  });

  it('names a filter for every turn, none for 1', () => {
    expect(orientationFilter(1)).toBeNull();
    expect(orientationFilter(6)).toBe('transpose=1');
    expect(orientationFilter(8)).toBe('transpose=2');
    for (const o of [2, 3, 4, 5, 7] as const) expect(orientationFilter(o)).toBeTruthy();
  });
});
