import { describe, expect, it } from 'vitest';
import { KalmanBoxFilter } from '../../../src/core/tracking/kalman-box-filter.js';
import type { BoxXYXY } from '../../../src/core/types.js';

const at = (P: Float64Array, i: number, j: number): number => P[i * 8 + j];

describe('KalmanBoxFilter', () => {
  it('starts at the box with zero velocity and ByteTrack\'s initial variances', () => {
    // Box 40x80 centred at (120, 140): a = 0.5, h = 80.
    const f = new KalmanBoxFilter([100, 100, 140, 180]);
    expect(Array.from(f.mean)).toEqual([120, 140, 0.5, 80, 0, 0, 0, 0]);
    // Position std 2·h/20 = 8 -> 64. Velocity std 10·h/160 per frame = 5 px/frame = 150 px/s -> 22500.
    expect(at(f.covariance, 0, 0)).toBeCloseTo(64, 10);
    expect(at(f.covariance, 3, 3)).toBeCloseTo(64, 10);
    expect(at(f.covariance, 2, 2)).toBeCloseTo(1e-4, 15);
    expect(at(f.covariance, 4, 4)).toBeCloseTo(22500, 8);
    expect(at(f.covariance, 0, 4)).toBe(0);
    expect(f.box()).toEqual([100, 100, 140, 180]);
  });

  it('predicts and updates with hand-computed numbers', () => {
    const f = new KalmanBoxFilter([100, 100, 140, 180]);
    // 0.1 s = 3 reference frames. Process noise per frame: position (h/20)² = 16, velocity
    // (h/160 px/frame · 30)² = 15² = 225 (px/s)²; times 3.
    // P_xx = 64 + 0.1²·22500 + 3·16 = 337; P_x,vx = 0.1·22500 = 2250; P_vx,vx = 22500 + 3·225 = 23175.
    f.predict(0.1);
    expect(Array.from(f.mean)).toEqual([120, 140, 0.5, 80, 0, 0, 0, 0]);
    expect(at(f.covariance, 0, 0)).toBeCloseTo(337, 8);
    expect(at(f.covariance, 0, 4)).toBeCloseTo(2250, 8);
    expect(at(f.covariance, 4, 0)).toBeCloseTo(2250, 8);
    expect(at(f.covariance, 4, 4)).toBeCloseTo(23175, 8);
    // Measured 10 px to the right. x is coupled only with vx, so per coordinate:
    // S = 337 + (h/20)² = 353, K_x = 337/353, K_vx = 2250/353.
    f.update([110, 100, 150, 180]);
    expect(f.mean[0]).toBeCloseTo(120 + (10 * 337) / 353, 9); // 129.5467
    expect(f.mean[4]).toBeCloseTo((10 * 2250) / 353, 9); // 63.739 px/s
    expect(f.mean[1]).toBeCloseTo(140, 9);
    expect(f.mean[3]).toBeCloseTo(80, 9);
    expect(f.mean[5]).toBeCloseTo(0, 9);
    // P' = P − K S Kᵀ: xx = 337·16/353, x-vx = 2250·16/353, vx-vx = 23175 − 2250²/353.
    expect(at(f.covariance, 0, 0)).toBeCloseTo((337 * 16) / 353, 8);
    expect(at(f.covariance, 0, 4)).toBeCloseTo((2250 * 16) / 353, 8);
    expect(at(f.covariance, 4, 0)).toBeCloseTo((2250 * 16) / 353, 8);
    expect(at(f.covariance, 4, 4)).toBeCloseTo(23175 - (2250 * 2250) / 353, 6);
  });

  it('learns a constant velocity in px per second whatever the frame rate', () => {
    // 90 px/s right, 30 px/s down, a 50x100 box, observed for 2 s at 30 fps and at 10 fps.
    const boxAt = (t: number): BoxXYXY => [200 + 90 * t, 100 + 30 * t, 250 + 90 * t, 200 + 30 * t];
    for (const fps of [30, 10]) {
      const f = new KalmanBoxFilter(boxAt(0));
      for (let k = 1; k <= 2 * fps; k++) {
        f.predict(1 / fps);
        f.update(boxAt(k / fps));
      }
      expect(f.mean[4]).toBeCloseTo(90, 0);
      expect(f.mean[5]).toBeCloseTo(30, 0);
      f.predict(0.5);
      const want = boxAt(2.5);
      const got = f.box();
      for (let i = 0; i < 4; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1);
    }
  });

  it('round-trips its state through JSON', () => {
    const f = new KalmanBoxFilter([10, 20, 30, 60]);
    f.predict(1 / 30);
    f.update([12, 21, 32, 61]);
    const g = KalmanBoxFilter.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
    expect(Array.from(g.mean)).toEqual(Array.from(f.mean));
    expect(Array.from(g.covariance)).toEqual(Array.from(f.covariance));
  });
});
