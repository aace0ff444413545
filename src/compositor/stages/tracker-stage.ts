import { ByteTracker, type ByteTrackerOptions } from '../../core/tracking/byte-tracker.js';
import { IouTracker } from '../../core/tracking/iou-tracker.js';
import { restoreTracker } from '../../core/tracking/restore-tracker.js';
import type { Tracker, TrackerSnapshot } from '../../core/tracking/tracker.js';
import type { FrameResult } from '../../core/types.js';
import type { ResultStage } from './result-stage.js';

export type TrackerKind = 'byte' | 'iou';
export const TRACKER_KINDS: readonly TrackerKind[] = ['byte', 'iou'];

export interface TrackerStageOptions {
  /** ByteTrack, or the greedy frame-to-frame IoU baseline. @defaultValue 'byte' */
  tracker?: TrackerKind;
  /** ByteTracker settings (the IoU baseline uses only `highThreshold`, as its minimum score). */
  byte?: ByteTrackerOptions;
}

/**
 * Sets `trackId` on the instances: one tracker per stream (trackers keep classes apart
 * themselves), fed in seq order by the compositor.
 */
export class TrackerStage implements ResultStage {
  readonly name = 'tracker';
  private readonly trackers = new Map<string, Tracker>();

  constructor(private readonly opts: TrackerStageOptions = {}) {
    this.create(); // invalid options fail here, before any frame
  }

  process(result: FrameResult): FrameResult {
    let t = this.trackers.get(result.streamId);
    if (!t) this.trackers.set(result.streamId, (t = this.create()));
    return { ...result, instances: t.update(result.instances, result.ptsMs) };
  }

  reset(): void {
    this.trackers.clear();
  }

  snapshot(): Record<string, TrackerSnapshot> {
    return Object.fromEntries([...this.trackers].map(([id, t]) => [id, t.snapshot()]));
  }

  restore(state: unknown): void {
    this.trackers.clear();
    for (const [id, s] of Object.entries(state as Record<string, TrackerSnapshot>)) this.trackers.set(id, restoreTracker(s));
  }

  private create(): Tracker {
    if ((this.opts.tracker ?? 'byte') === 'iou') return new IouTracker({ minScore: this.opts.byte?.highThreshold });
    return new ByteTracker(this.opts.byte);
  }
}
