/**
 * The simplest baseline (Bochinski et al.'s IOU tracker without its track filtering): each frame,
 * per class, detections are matched greedily (highest box IoU first) to the tracks' last boxes;
 * a track not matched in a frame ends, a detection not matched starts a track. No motion model,
 * no second stage, no lost buffer: the side-by-side reference for the ByteTracker.
 */
import { boxIou } from '../nms.js';
import type { BoxXYXY, Instance } from '../types.js';
import type { Tracker, TrackerSnapshot } from './tracker.js';

export interface IouTrackerOptions {
  /** Least IoU between a track's last box and a detection to continue it. @defaultValue 0.5 (σ_IoU of the IOU tracker) */
  iouThreshold?: number;
  /** Detections scoring below this are ignored (no id). @defaultValue 0.5 (the ByteTracker's highThreshold) */
  minScore?: number;
}

interface IouTrack {
  id: number;
  classId: number;
  box: BoxXYXY;
}

export interface IouTrackerSnapshot extends TrackerSnapshot {
  kind: 'iou';
  version: 1;
  options: Required<IouTrackerOptions>;
  nextId: number;
  tracks: IouTrack[];
}

export class IouTracker implements Tracker {
  private readonly o: Required<IouTrackerOptions>;
  private tracks: IouTrack[] = [];
  private nextId = 1;

  constructor(options: IouTrackerOptions = {}) {
    this.o = { iouThreshold: options.iouThreshold ?? 0.5, minScore: options.minScore ?? 0.5 };
    for (const k of ['iouThreshold', 'minScore'] as const) {
      const v = this.o[k];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`tracker: ${k} must be in [0, 1], got ${v}`);
    }
  }

  static restore(state: IouTrackerSnapshot): IouTracker {
    if (state?.kind !== 'iou' || state.version !== 1) throw new RangeError('IouTracker.restore: not an IouTracker snapshot (version 1)');
    const t = new IouTracker(state.options);
    t.nextId = state.nextId;
    t.tracks = state.tracks.map((k) => ({ id: k.id, classId: k.classId, box: [...k.box] as BoxXYXY }));
    return t;
  }

  snapshot(): IouTrackerSnapshot {
    return {
      kind: 'iou', version: 1, options: { ...this.o }, nextId: this.nextId,
      tracks: this.tracks.map((k) => ({ id: k.id, classId: k.classId, box: [...k.box] as BoxXYXY })),
    };
  }

  reserveIds(next: number): void {
    this.nextId = Math.max(this.nextId, next);
  }

  reset(): void {
    this.tracks = [];
    this.nextId = 1;
  }

  update(instances: readonly Instance[], _ptsMs: number): Instance[] {
    const out = instances.map((inst) => {
      const copy = { ...inst };
      delete copy.trackId;
      return copy;
    });
    const candidates: { t: number; d: number; iou: number }[] = [];
    for (let t = 0; t < this.tracks.length; t++) {
      for (let d = 0; d < instances.length; d++) {
        const det = instances[d];
        if (det.score < this.o.minScore || det.classId !== this.tracks[t].classId) continue;
        const iou = boxIou(this.tracks[t].box, 0, det.box, 0);
        if (iou >= this.o.iouThreshold) candidates.push({ t, d, iou });
      }
    }
    // Highest IoU first; ties in track then detection order (sort is stable).
    candidates.sort((a, b) => b.iou - a.iou);
    const trackUsed = new Uint8Array(this.tracks.length);
    const next: IouTrack[] = [];
    for (const c of candidates) {
      if (trackUsed[c.t] || out[c.d].trackId !== undefined) continue;
      trackUsed[c.t] = 1;
      const tr = this.tracks[c.t];
      out[c.d].trackId = tr.id;
      next.push({ id: tr.id, classId: tr.classId, box: [...instances[c.d].box] as BoxXYXY });
    }
    instances.forEach((det, d) => {
      if (out[d].trackId !== undefined || det.score < this.o.minScore) return;
      out[d].trackId = this.nextId++;
      next.push({ id: out[d].trackId!, classId: det.classId, box: [...det.box] as BoxXYXY });
    });
    this.tracks = next;
    return out;
  }
}
