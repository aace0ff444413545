/**
 * ByteTrack (Zhang et al., 2022) for one stream, in seq order, with two additions for objects
 * that hide each other (cross-class continuation, buffered-IoU recovery):
 *
 * 1. every track's Kalman filter is predicted to the frame's time;
 * 2. confirmed tracks (tracked or lost) are matched to the high-score detections, cost
 *    1 − similarity·score, limit `matchThreshold`; a lost track matched here is found again.
 *    Pairs of the track's class are matched first; what is left of both is then matched across
 *    classes, the similarity weighted by `otherClassWeight` (a partly hidden object is often
 *    taken for another class for a few frames);
 * 3. tracked tracks still unmatched are matched to the low-score detections (cost 1 − similarity,
 *    limit `lowMatchThreshold`, same class first, then across), which keeps an object alive
 *    through partial occlusion, when its score drops; tracks unmatched after that are lost;
 * 3b. lost tracks are matched to the high-score detections left on buffered IoU (boxes widened by
 *    `recoveryScale`, buffered-iou.ts) with both their predicted and their last-seen box: an object
 *    that bounced, or came out from behind another off the motion model's line, keeps its id;
 * 4. tentative tracks take the high-score detections left of their class (limit
 *    `tentativeMatchThreshold`) or are dropped; one that reaches `minHits` consecutive hits is
 *    confirmed and gets its id;
 * 5. high-score detections still left with score >= `newTrackThreshold` start tentative tracks
 *    (confirmed at once on the tracker's first frame, as ByteTrack does, or when `minHits` is 1);
 * 6. lost tracks unseen for longer than `lostBufferSeconds` are removed, and of a tracked and a
 *    lost track of one class lying on top of each other (box IoU > 0.85) the younger one goes.
 *
 * A track's class is the score-weighted majority of the detections it took (track.ts), and the
 * instances it claims are given that class and label. Where ByteTrack counts frames this counts
 * time (pts), so sampling a clip with `--fps` keeps the behaviour. Ids are shared across classes
 * (unique per tracker). `otherClassWeight: 0, recoveryScale: 0` is plain per-class ByteTrack.
 */
import { boxIou } from '../nms.js';
import type { Instance } from '../types.js';
import type { KalmanBoxFilterOptions } from './kalman-box-filter.js';
import { bufferedIou } from './buffered-iou.js';
import { thresholdAssignment } from './linear-assignment.js';
import {
  SIMILARITY_MODES, detectionAppearance, similarityMatrix, type DetectionAppearance, type SimilarityMode,
} from './similarity.js';
import { Track, type TrackJson } from './track.js';
import type { Tracker, TrackerSnapshot } from './tracker.js';

export interface ByteTrackerOptions {
  /**
   * Detections scoring at least this take part in the first association and may start tracks.
   * @defaultValue 0.5 — the workers' default score threshold, so a default pipeline's detections
   * are all first-stage; ByteTrack's 0.6 was tuned for YOLOX on MOT17, supervision's 0.25 for
   * unfiltered detector output.
   */
  highThreshold?: number;
  /** Detections from this up to `highThreshold` only keep tracked objects alive. @defaultValue 0.1 (ByteTrack) */
  lowThreshold?: number;
  /** Score a detection needs to start a track. @defaultValue highThreshold + 0.1 (ByteTrack's det_thresh) */
  newTrackThreshold?: number;
  /**
   * Largest cost 1 − similarity·score of a first-stage match. @defaultValue 0.9 (ByteTrack and
   * supervision use 0.8; 0.9 gave the better IDF1 on held-out synth clips, README "Tracking")
   */
  matchThreshold?: number;
  /** Largest cost 1 − similarity of a low-score match. @defaultValue 0.5 (ByteTrack) */
  lowMatchThreshold?: number;
  /** Largest cost 1 − similarity·score of a tentative track's match. @defaultValue 0.7 (ByteTrack) */
  tentativeMatchThreshold?: number;
  /**
   * How long a lost track may come back with its id. @defaultValue 2.0 (ByteTrack's 30 frames at
   * 30 fps are 1 s; partly hidden objects go undetected for 1-2 s)
   */
  lostBufferSeconds?: number;
  /** Consecutive detections that confirm a track (and give it an id). @defaultValue 2 (ByteTrack) */
  minHits?: number;
  /** What a track and a detection are compared on (see similarity.ts). @defaultValue 'box' */
  similarity?: SimilarityMode;
  /**
   * Weight on the similarity of a track and a detection of another class, 0..1: a detection may
   * continue a track of another class at this discount (same-class pairs win when both fit); the
   * track's class is then the score-weighted majority of its detections, and its instances are
   * given that class. 0 keeps classes apart as ByteTrack does. @defaultValue 0.5
   */
  otherClassWeight?: number;
  /**
   * Buffer scale of the recovery pass (step 3b): lost tracks are matched to the high-score
   * detections left on the IoU of boxes widened by this much on each side. 0 turns it off.
   * @defaultValue 1 (C-BIoU's second-stage buffer is 0.5; 1 did better on held-out synth clips)
   */
  recoveryScale?: number;
  /** Motion model tuning. @defaultValue ByteTrack's */
  kalman?: KalmanBoxFilterOptions;
}

type ResolvedOptions = Required<Omit<ByteTrackerOptions, 'kalman'>> & { kalman: KalmanBoxFilterOptions };

export interface ByteTrackerSnapshot extends TrackerSnapshot {
  kind: 'byte';
  version: 1;
  options: ResolvedOptions;
  nextId: number;
  nextKey: number;
  frames: number;
  tracks: TrackJson[];
}

/** Tracked vs lost box IoU above which the two are taken for one object (ByteTrack: distance < 0.15). */
const DUPLICATE_IOU = 0.85;

function resolve(o: ByteTrackerOptions): ResolvedOptions {
  const high = o.highThreshold ?? 0.5;
  const r: ResolvedOptions = {
    highThreshold: high,
    lowThreshold: o.lowThreshold ?? 0.1,
    newTrackThreshold: o.newTrackThreshold ?? Math.min(1, high + 0.1),
    matchThreshold: o.matchThreshold ?? 0.9,
    lowMatchThreshold: o.lowMatchThreshold ?? 0.5,
    tentativeMatchThreshold: o.tentativeMatchThreshold ?? 0.7,
    lostBufferSeconds: o.lostBufferSeconds ?? 2.0,
    minHits: o.minHits ?? 2,
    similarity: o.similarity ?? 'box',
    otherClassWeight: o.otherClassWeight ?? 0.5,
    recoveryScale: o.recoveryScale ?? 1,
    kalman: { ...o.kalman },
  };
  for (const k of ['highThreshold', 'lowThreshold', 'newTrackThreshold', 'matchThreshold', 'lowMatchThreshold', 'tentativeMatchThreshold', 'otherClassWeight'] as const) {
    const v = r[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`tracker: ${k} must be in [0, 1], got ${v}`);
  }
  if (r.lowThreshold > r.highThreshold) throw new RangeError(`tracker: lowThreshold (${r.lowThreshold}) exceeds highThreshold (${r.highThreshold})`);
  if (!(r.lostBufferSeconds >= 0 && Number.isFinite(r.lostBufferSeconds))) {
    throw new RangeError(`tracker: lostBufferSeconds must be a number >= 0, got ${r.lostBufferSeconds}`);
  }
  if (!(r.recoveryScale >= 0 && Number.isFinite(r.recoveryScale))) throw new RangeError(`tracker: recoveryScale must be a number >= 0, got ${r.recoveryScale}`);
  if (!Number.isInteger(r.minHits) || r.minHits < 1) throw new RangeError(`tracker: minHits must be an integer >= 1, got ${r.minHits}`);
  if (!SIMILARITY_MODES.includes(r.similarity)) {
    throw new RangeError(`tracker: similarity must be one of ${SIMILARITY_MODES.join(', ')}, got ${String(r.similarity)}`);
  }
  return r;
}

/** A frame's detections split by score, as indices into the frame's list. */
interface FrameDetections {
  high: number[];
  low: number[];
}

export class ByteTracker implements Tracker {
  private readonly o: ResolvedOptions;
  private tracks: Track[] = [];
  private nextId = 1;
  private nextKey = 1;
  private frames = 0;

  constructor(options: ByteTrackerOptions = {}) {
    this.o = resolve(options);
  }

  get options(): Readonly<ResolvedOptions> {
    return this.o;
  }

  static restore(state: ByteTrackerSnapshot): ByteTracker {
    if (state?.kind !== 'byte' || state.version !== 1) throw new RangeError('ByteTracker.restore: not a ByteTracker snapshot (version 1)');
    const t = new ByteTracker(state.options);
    t.nextId = state.nextId;
    t.nextKey = state.nextKey;
    t.frames = state.frames;
    t.tracks = state.tracks.map((j) => Track.fromJSON(j, t.o.kalman));
    return t;
  }

  snapshot(): ByteTrackerSnapshot {
    return {
      kind: 'byte', version: 1, options: { ...this.o, kalman: { ...this.o.kalman } },
      nextId: this.nextId, nextKey: this.nextKey, frames: this.frames,
      tracks: this.tracks.map((t) => t.toJSON()),
    };
  }

  reserveIds(next: number): void {
    this.nextId = Math.max(this.nextId, next);
  }

  reset(): void {
    this.tracks = [];
    this.nextId = 1;
    this.nextKey = 1;
    this.frames = 0;
  }

  update(instances: readonly Instance[], ptsMs: number): Instance[] {
    if (!Number.isFinite(ptsMs)) throw new RangeError(`tracker: ptsMs must be a finite number, got ${ptsMs}`);
    this.frames++;
    const out = instances.map((inst) => {
      const copy = { ...inst };
      delete copy.trackId;
      return copy;
    });
    const withMask = this.o.similarity !== 'box';
    const looks = instances.map((inst) => detectionAppearance(inst, withMask));
    const f: FrameDetections = { high: [], low: [] };
    instances.forEach((inst, i) => {
      if (inst.score >= this.o.highThreshold) f.high.push(i);
      else if (inst.score >= this.o.lowThreshold) f.low.push(i);
    });
    for (const t of this.tracks) t.predict(ptsMs);
    this.tracks = this.associate(this.tracks, f, instances, looks, out, ptsMs);
    return out;
  }

  /** Steps 2-6; returns the tracks that live on. */
  private associate(
    tracks: Track[], f: FrameDetections, dets: readonly Instance[], looks: DetectionAppearance[], out: Instance[], ptsMs: number,
  ): Track[] {
    const o = this.o;
    const pool = tracks.filter((t) => t.confirmed);
    const tentative = tracks.filter((t) => !t.confirmed);
    const take = (t: Track, d: number): void => {
      t.update(dets[d], looks[d], ptsMs);
      if (!t.confirmed && t.hits >= o.minHits) t.id = this.nextId++;
      if (t.confirmed) out[d] = { ...out[d], trackId: t.id, classId: t.classId, label: t.label };
    };

    // 2. Confirmed tracks, tracked or lost, against the high-score detections: same class first,
    // then (otherClassWeight > 0) what is left of both across classes.
    const first = this.matchClasses(pool, f.high, looks, dets, o.matchThreshold, true);
    first.pairs.forEach(([t, d]) => take(t, d));

    // 3. Tracked tracks left against the low-score detections; the rest are lost.
    const stillTracked = first.tracks.filter((t) => t.state === 'tracked');
    const second = this.matchClasses(stillTracked, f.low, looks, dets, o.lowMatchThreshold, false);
    second.pairs.forEach(([t, d]) => take(t, d));
    for (const t of second.tracks) t.state = 'lost';

    // 3b. Confirmed tracks still unmatched, just lost or lost before, against the high-score
    // detections left, on buffered IoU with the predicted and the last-seen box: an object that
    // turned, bounced or came out from behind another where the motion model did not expect it.
    let left = first.dets;
    if (o.recoveryScale > 0) {
      const rec = this.matchClasses(first.tracks.filter((t) => t.state === 'lost'), left, looks, dets, o.matchThreshold, true, true);
      rec.pairs.forEach(([t, d]) => take(t, d));
      left = rec.dets;
    }

    // 4. Tentative tracks against the high-score detections left (same class); unmatched ones are dropped.
    const third = this.match(tentative, left, looks, dets, o.tentativeMatchThreshold, true, 'same');
    third.pairs.forEach(([t, d]) => take(t, d));
    const dropped = new Set(third.tracks);

    // 5. New tracks from confident detections nobody took.
    const born: Track[] = [];
    for (const d of third.dets) {
      if (dets[d].score < o.newTrackThreshold) continue;
      const t = Track.start(this.nextKey++, dets[d], looks[d], ptsMs, o.kalman);
      if (this.frames === 1 || o.minHits <= 1) {
        t.id = this.nextId++;
        out[d].trackId = t.id;
      }
      born.push(t);
    }

    // 6. Expire lost tracks, then settle tracked/lost duplicates.
    const limitMs = o.lostBufferSeconds * 1000;
    const alive = tracks.filter((t) => !dropped.has(t) && !(t.state === 'lost' && ptsMs - t.lastSeenPtsMs > limitMs));
    alive.push(...born);
    return removeDuplicates(alive);
  }

  /** {@link match} within classes, then across classes on what is left when otherClassWeight > 0. */
  private matchClasses(
    tracks: Track[], detIdx: number[], looks: DetectionAppearance[], dets: readonly Instance[], limit: number, fuseScore: boolean,
    buffered = false,
  ): MatchResult {
    const same = this.match(tracks, detIdx, looks, dets, limit, fuseScore, 'same', buffered);
    if (this.o.otherClassWeight === 0) return same;
    const other = this.match(same.tracks, same.dets, looks, dets, limit, fuseScore, 'other', buffered);
    return { pairs: [...same.pairs, ...other.pairs], tracks: other.tracks, dets: other.dets };
  }

  /**
   * Thresholded min-cost matching of `tracks` to the detections `detIdx`, of the track's class or
   * of other classes only (their similarity weighted by otherClassWeight); returns pairs and leftovers.
   */
  private match(
    tracks: Track[], detIdx: number[], looks: DetectionAppearance[], dets: readonly Instance[], limit: number, fuseScore: boolean,
    classes: 'same' | 'other', buffered = false,
  ): MatchResult {
    if (tracks.length === 0 || detIdx.length === 0) return { pairs: [], tracks, dets: detIdx };
    const nd = detIdx.length;
    const sim = new Float64Array(tracks.length * nd);
    if (buffered) {
      const b = this.o.recoveryScale;
      tracks.forEach((t, i) => {
        const pred = t.box();
        detIdx.forEach((d, k) => (sim[i * nd + k] = Math.max(bufferedIou(pred, dets[d].box, b), bufferedIou(t.lastBox, dets[d].box, b))));
      });
    } else {
      similarityMatrix(tracks.map((t) => t.appearance()), detIdx.map((d) => looks[d]), this.o.similarity, sim);
    }
    const weight = classes === 'same' ? 1 : this.o.otherClassWeight;
    for (let t = 0; t < tracks.length; t++) {
      for (let k = 0; k < nd; k++) {
        const det = dets[detIdx[k]];
        if ((det.classId === tracks[t].classId) !== (classes === 'same')) {
          sim[t * nd + k] = Infinity; // not this pass's pair
          continue;
        }
        sim[t * nd + k] = 1 - sim[t * nd + k] * (fuseScore ? det.score : 1) * weight;
      }
    }
    const a = thresholdAssignment(sim, tracks.length, nd, limit);
    const pairs: [Track, number][] = [];
    const leftTracks: Track[] = [];
    tracks.forEach((t, i) => (a.rowToCol[i] >= 0 ? pairs.push([t, detIdx[a.rowToCol[i]]]) : leftTracks.push(t)));
    return { pairs, tracks: leftTracks, dets: detIdx.filter((_, k) => a.colToRow[k] < 0) };
  }
}

interface MatchResult {
  pairs: [Track, number][];
  tracks: Track[];
  dets: number[];
}

/** Of a tracked and a lost track on top of each other, keeps the one followed longer (ByteTrack). */
function removeDuplicates(tracks: Track[]): Track[] {
  const tracked = tracks.filter((t) => t.state === 'tracked');
  const lost = tracks.filter((t) => t.state === 'lost');
  if (tracked.length === 0 || lost.length === 0) return tracks;
  const gone = new Set<Track>();
  const boxes = new Map(tracks.map((t) => [t, t.box()]));
  for (const p of tracked) {
    for (const q of lost) {
      if (p.classId !== q.classId || boxIou(boxes.get(p)!, 0, boxes.get(q)!, 0) <= DUPLICATE_IOU) continue;
      gone.add(p.age() > q.age() ? q : p);
    }
  }
  return gone.size === 0 ? tracks : tracks.filter((t) => !gone.has(t));
}
