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

  /**
   * Each stream's tracker as it was (tracks, Kalman state, next id), when it was made with the
   * options this stage has; with other options (another --tracker, --track-thresh, ...) a fresh
   * tracker of this stage's options whose ids go on above the saved ones, so no id is reused.
   */
  restore(state: unknown): string {
    this.trackers.clear();
    const notes: string[] = [];
    for (const [id, s] of Object.entries(state as Record<string, TrackerSnapshot & { nextId?: number; options?: unknown; tracks?: unknown[] }>)) {
      const fresh = this.create();
      const same = s.kind === fresh.snapshot().kind && JSON.stringify(s.options) === JSON.stringify((fresh.snapshot() as { options?: unknown }).options);
      if (same) {
        this.trackers.set(id, restoreTracker(s));
        notes.push(`${s.tracks?.length ?? 0} tracks, next id ${s.nextId}`);
      } else {
        fresh.reserveIds(s.nextId ?? 1);
        this.trackers.set(id, fresh);
        notes.push(`other tracker options than before: new tracks, ids from ${s.nextId}`);
      }
    }
    return notes.join('; ') || 'no tracks';
  }

  private create(): Tracker {
    if ((this.opts.tracker ?? 'byte') === 'iou') return new IouTracker({ minScore: this.opts.byte?.highThreshold });
    return new ByteTracker(this.opts.byte);
  }
}
