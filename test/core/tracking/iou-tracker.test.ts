import { describe, expect, it } from 'vitest';
import { IouTracker } from '../../../src/core/tracking/iou-tracker.js';
import { restoreTracker } from '../../../src/core/tracking/restore-tracker.js';
import { idsOf, runScene, type ScriptedObject } from './scene.js';

const walker = (name: string, x: number, score?: ScriptedObject['score']): ScriptedObject => ({ name, box: [x, 100, x + 60, 200], vx: 60, vy: 0, score });

describe('IouTracker', () => {
  it('continues tracks frame to frame and ends them on the first miss', () => {
    const gapAt = (t: number): number | null => (Math.abs(t - 0.5) < 0.01 ? null : 0.9);
    const log = runScene(new IouTracker(), [walker('A', 50), walker('B', 400, gapAt)], 30, 1);
    expect(idsOf(log, 'A')).toEqual([1]);
    // B is missing in frame 15 only: the baseline has no buffer, so it comes back as a new track.
    expect(idsOf(log, 'B')).toEqual([2, 3]);
    expect(log[0].get('A')).toBe(1); // ids from the first frame on, no confirmation
  });

  it('ignores detections below minScore and other classes', () => {
    const log = runScene(new IouTracker(), [walker('faint', 50, () => 0.4)], 30, 0.5);
    expect(idsOf(log, 'faint')).toEqual([]);
    const t = new IouTracker();
    const box: [number, number, number, number] = [0, 0, 50, 50];
    const mask = { size: [360, 640] as [number, number], counts: [640 * 360] };
    t.update([{ classId: 1, label: 'a', score: 0.9, box, mask }], 0);
    expect(t.update([{ classId: 2, label: 'b', score: 0.9, box, mask }], 33)[0].trackId).toBe(2);
  });

  it('resumes from a snapshot with identical ids', () => {
    // B misses frame 5, so from frame 6 on it is track 3.
    const objects = [walker('A', 50), walker('B', 300, (t) => (Math.abs(t - 5 / 30) < 0.01 ? null : 0.9))];
    const straight = runScene(new IouTracker(), objects, 30, 1);
    const first = new IouTracker();
    runScene(first, objects, 30, 10 / 30);
    const resumed = runScene(restoreTracker(JSON.parse(JSON.stringify(first.snapshot()))), objects, 30, 1, 10);
    expect(resumed).toEqual(straight.slice(10));
    expect(resumed[0].get('B')).toBe(3);
    // A fresh tracker on the same frames would call B track 2: the snapshot carried the state.
    expect(runScene(new IouTracker(), objects, 30, 1, 10)[0].get('B')).toBe(2);
    expect(() => new IouTracker({ iouThreshold: 2 })).toThrow(/iouThreshold must be in \[0, 1\], got 2/);
  });
});
