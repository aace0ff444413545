/**
 * What every multi-object tracker offers the compositor. A tracker serves one stream and is fed
 * its frames in seq order; ids start at 1 and are unique within the tracker (across classes).
 */
import type { Instance } from '../types.js';

export interface Tracker {
  /**
   * Associates one frame's detections with the tracks and returns them as new objects in input
   * order, `trackId` set on those that belong to a (confirmed) track and absent on the others.
   * The tracker owns `trackId`: an id on the input is ignored.
   *
   * @param ptsMs the frame's presentation time; time-based settings (lost buffer, motion) use it,
   *   so dropping frames (`--fps`) changes nothing but the sampling. A timestamp that goes
   *   backwards counts as no time elapsed.
   */
  update(instances: readonly Instance[], ptsMs: number): Instance[];
  /** Forgets every track and restarts ids at 1. */
  reset(): void;
  /** Ids handed out from now on are `next` or above (a restart that could not restore the state). */
  reserveIds(next: number): void;
  /** All state as plain JSON data; `restoreTracker` (restore-tracker.ts) resumes from it. */
  snapshot(): TrackerSnapshot;
}

/** A tracker's state, JSON-serialisable. `kind` names the tracker that wrote it. */
export interface TrackerSnapshot {
  kind: string;
  version: number;
}
