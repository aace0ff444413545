/**
 * One object followed by the ByteTracker: its motion filter, the last mask it matched, and where
 * it is in its life (tentative until confirmed, tracked, or lost while the buffer lasts).
 */
import type { BoxXYXY, Instance, Rle } from '../types.js';
import { KalmanBoxFilter, type KalmanBoxFilterOptions, type KalmanBoxState } from './kalman-box-filter.js';
import { MaskSpans } from './mask-spans.js';
import { type DetectionAppearance, type TrackAppearance } from './similarity.js';

export type TrackState = 'tracked' | 'lost';

/** A track as plain data, for snapshots. */
export interface TrackJson {
  key: number;
  id: number;
  classId: number;
  label: string;
  state: TrackState;
  hits: number;
  score: number;
  startPtsMs: number;
  lastSeenPtsMs: number;
  predictedPtsMs: number;
  kalman: KalmanBoxState;
  mask: Rle | null;
  anchor: [number, number];
  /** Summed detection score per class, [classId, sum, label] (absent in older snapshots). */
  votes?: [number, number, string][];
  /** The last detection's box (absent in older snapshots: the filter's box). */
  lastBox?: BoxXYXY;
}

export class Track {
  /** Public id, 0 while the track is tentative (ids are handed out on confirmation, so they stay dense). */
  id = 0;
  state: TrackState = 'tracked';
  /** Detections matched so far (consecutively, while tentative). */
  hits = 1;
  lastSeenPtsMs: number;
  /** Time the filter has been predicted to. */
  predictedPtsMs: number;
  /** Filter centre right after the last update with a mask: the mask was seen there. */
  private anchor: [number, number];
  /** Summed score of the detections taken, per class: the track's class is the heaviest. */
  private readonly votes = new Map<number, { sum: number; label: string }>();
  /** The box of the last detection taken, where the object was last seen. */
  lastBox: BoxXYXY;

  /** @param key internal identity, unique per tracker (a tentative track needs one before it has an id) */
  private constructor(
    readonly key: number,
    /** The class the detections taken so far mostly had (score-weighted); see {@link update}. */
    public classId: number,
    public label: string,
    readonly startPtsMs: number,
    private readonly kf: KalmanBoxFilter,
    public score: number,
    /** The last mask matched (kept as RLE for snapshots) and its spans. */
    private mask: Rle | null,
    private spans: MaskSpans | null,
  ) {
    this.lastSeenPtsMs = startPtsMs;
    this.predictedPtsMs = startPtsMs;
    this.anchor = [kf.mean[0], kf.mean[1]];
    this.votes.set(classId, { sum: score, label });
    this.lastBox = kf.box();
  }

  static start(key: number, det: Instance, look: DetectionAppearance, ptsMs: number, kalman: KalmanBoxFilterOptions): Track {
    const kf = new KalmanBoxFilter(det.box, kalman);
    return new Track(key, det.classId, det.label, ptsMs, kf, det.score, look.spans ? det.mask : null, look.spans);
  }

  static fromJSON(j: TrackJson, kalman: KalmanBoxFilterOptions): Track {
    const kf = KalmanBoxFilter.fromJSON(j.kalman, kalman);
    const t = new Track(j.key, j.classId, j.label, j.startPtsMs, kf, j.score, j.mask, j.mask ? MaskSpans.fromRle(j.mask) : null);
    t.id = j.id;
    t.state = j.state;
    t.hits = j.hits;
    t.lastSeenPtsMs = j.lastSeenPtsMs;
    t.predictedPtsMs = j.predictedPtsMs;
    t.anchor = [j.anchor[0], j.anchor[1]];
    if (j.lastBox) t.lastBox = [...j.lastBox];
    if (j.votes) {
      t.votes.clear();
      for (const [c, sum, label] of j.votes) t.votes.set(c, { sum, label });
    }
    return t;
  }

  toJSON(): TrackJson {
    return {
      key: this.key, id: this.id, classId: this.classId, label: this.label, state: this.state, hits: this.hits,
      score: this.score, startPtsMs: this.startPtsMs, lastSeenPtsMs: this.lastSeenPtsMs,
      predictedPtsMs: this.predictedPtsMs, kalman: this.kf.toJSON(), mask: this.mask, anchor: this.anchor,
      lastBox: this.lastBox, votes: [...this.votes].map(([c, v]) => [c, v.sum, v.label]),
    };
  }

  get confirmed(): boolean {
    return this.id > 0;
  }

  /** Moves the filter to `ptsMs`. A lost track stops growing or shrinking (ByteTrack zeroes vh). */
  predict(ptsMs: number): void {
    if (this.state !== 'tracked') this.kf.mean[7] = 0;
    this.kf.predict((ptsMs - this.predictedPtsMs) / 1000);
    this.predictedPtsMs = Math.max(this.predictedPtsMs, ptsMs);
  }

  /**
   * Takes a matched detection. Its score counts as a vote for its class; the track takes the class
   * with the most (a partly hidden object is often taken for another shape for a few frames).
   */
  update(det: Instance, look: DetectionAppearance, ptsMs: number): void {
    const v = this.votes.get(det.classId);
    if (v) v.sum += det.score;
    else this.votes.set(det.classId, { sum: det.score, label: det.label });
    if (det.classId !== this.classId && this.votes.get(det.classId)!.sum > this.votes.get(this.classId)!.sum) {
      this.classId = det.classId;
      this.label = det.label;
    }
    this.kf.update(det.box);
    this.lastBox = det.box;
    this.hits++;
    this.score = det.score;
    this.lastSeenPtsMs = ptsMs;
    this.state = 'tracked';
    if (look.spans) {
      this.mask = det.mask;
      this.spans = look.spans;
      this.anchor = [this.kf.mean[0], this.kf.mean[1]];
    }
  }

  box(): BoxXYXY {
    return this.kf.box();
  }

  /** Lifetime so far in ms (ByteTrack keeps the older of two duplicates). */
  age(): number {
    return this.lastSeenPtsMs - this.startPtsMs;
  }

  appearance(): TrackAppearance {
    return {
      predictedBox: this.kf.box(),
      spans: this.spans,
      dx: this.kf.mean[0] - this.anchor[0],
      dy: this.kf.mean[1] - this.anchor[1],
    };
  }
}
