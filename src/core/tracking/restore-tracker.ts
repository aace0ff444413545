/** Resumes whichever tracker wrote a snapshot (after a compositor restart). */
import { ByteTracker, type ByteTrackerSnapshot } from './byte-tracker.js';
import { IouTracker, type IouTrackerSnapshot } from './iou-tracker.js';
import type { Tracker, TrackerSnapshot } from './tracker.js';

export function restoreTracker(state: TrackerSnapshot): Tracker {
  switch (state?.kind) {
    case 'byte':
      return ByteTracker.restore(state as ByteTrackerSnapshot);
    case 'iou':
      return IouTracker.restore(state as IouTrackerSnapshot);
    default:
      throw new RangeError(`restoreTracker: unknown tracker snapshot kind ${JSON.stringify(state?.kind)}`);
  }
}
