import { describe, expect, it } from 'vitest';
import { LivePts } from '../../../src/core/media/live-pts.js';

/** Feeds [pts, arrival] pairs at 40 ms a frame; returns what came out (null: dropped). */
function feed(p: LivePts, frames: [number, number][]): (number | null)[] {
  return frames.map(([pts, at]) => p.next(pts, 40, at));
}

describe('LivePts', () => {
  it('passes increasing PTS through unchanged', () => {
    const p = new LivePts();
    expect(feed(p, [[0, 0], [40, 40], [80, 80], [200, 200]])).toEqual([0, 40, 80, 200]);
    expect(p.last).toBe(200);
  });

  it('drops the mis-timed probe frames of an RTSP start (small steps back), keeps the rest', () => {
    const p = new LivePts();
    const out = feed(p, [[0, 0], [-200, 1], [-160, 2], [-40, 3], [0, 4], [40, 5], [80, 6]]);
    expect(out).toEqual([0, null, null, null, null, 40, 80]);
  });

  it('re-bases a clock reset (a step back of more than 1 s) to one frame after the last', () => {
    const p = new LivePts();
    expect(feed(p, [[5000, 0], [5040, 40], [0, 80], [40, 120]])).toEqual([5000, 5040, 5080, 5120]);
  });

  it('after resumeAfterGap, the new clock continues the real wall-clock gap later', () => {
    const p = new LivePts();
    feed(p, [[0, 1000], [40, 1040], [80, 1080]]);
    p.resumeAfterGap();
    // The new connection starts its clock at 0 again, 5.2 s (wall clock) after the last frame.
    expect(feed(p, [[0, 6280], [40, 6320], [80, 6360]])).toEqual([5280, 5320, 5360]);
    // ...and a clock that starts far ahead is brought back just the same.
    p.resumeAfterGap();
    expect(feed(p, [[900_000, 7360]])).toEqual([6360]);
  });

  it('the gap runs from when the last frame was due, not from a late burst at exit (ffmpeg flushing its decoder)', () => {
    const p = new LivePts();
    // Real time: each frame comes 1000 ms after its PTS; the last one only came out 1.4 s late.
    feed(p, [[0, 1000], [40, 1040], [80, 2500]]);
    p.resumeAfterGap();
    // 6280 - (80 + 1000) after the last (to the 1 ms/s the offset may creep), not 6280 - 2500
    expect(p.next(0, 40, 6280)).toBeCloseTo(5280, 0);
  });

  it('a gap shorter than a frame still moves PTS on by one frame (strictly increasing)', () => {
    const p = new LivePts();
    feed(p, [[0, 0]]);
    p.resumeAfterGap();
    expect(feed(p, [[0, 5]])).toEqual([40]);
  });
});
