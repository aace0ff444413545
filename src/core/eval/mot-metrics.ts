/**
 * Tracking quality of predicted ids against ground-truth ids, frame by frame:
 *
 * - CLEAR-MOT as py-motmetrics' `MOTAccumulator` computes it: a pair is matchable when its IoU is
 *   at least the threshold (distance 1 − IoU ≤ 1 − threshold); each frame first keeps every
 *   ground-truth object's previous partner when that pair is still matchable, then assigns the rest
 *   by maximum-cardinality minimum-distance matching. A match with an object whose previous partner
 *   was another id is an ID switch (IDSW); unmatched objects are misses (FN), unmatched predictions
 *   false positives (FP); MOTA = 1 − (FN + FP + IDSW) / GT. A fragmentation (FRAG) is a tracked →
 *   missed transition inside the span between an object's first and last match (frames where the
 *   object is absent from the ground truth do not count).
 * - ID measures (py-motmetrics' `id_global_assignment`): IDTP is the most (object, prediction)
 *   co-occurrences — matchable pairs in a frame — that a one-to-one mapping of object ids to
 *   predicted ids can collect; IDF1 = 2·IDTP / (GT + predictions), IDP = IDTP / predictions,
 *   IDR = IDTP / GT.
 * - HOTA as TrackEval's `HOTA.eval_sequence`: 19 thresholds α = 0.05 … 0.95; per frame a matching
 *   maximising global-alignment-weighted similarity, counted as TP where similarity ≥ α; DetA =
 *   TP / (TP + FN + FP), AssA = mean over TPs of the matched id pair's TPA / (TPA + FNA + FPA),
 *   HOTA(α) = √(DetA·AssA); the reported values are means over α.
 *
 * Objects carrying a `classId` only ever match objects of the same class (for per-class numbers as
 * TrackEval reports them, evaluate each class on its own). Ratios with a zero denominator are NaN.
 */
import { boxIou } from '../nms.js';
import { rleIou } from '../rle.js';
import { minCostAssignment } from '../tracking/linear-assignment.js';
import type { BoxXYXY, Rle } from '../types.js';

export interface MotObject {
  id: number;
  classId?: number;
  box?: BoxXYXY;
  mask?: Rle;
}

export interface MotFrame {
  gt: MotObject[];
  pred: MotObject[];
}

export interface MotMetricsOptions {
  /** Least IoU of a CLEAR / ID match. @defaultValue 0.5 (py-motmetrics' max distance 0.5) */
  iouThreshold?: number;
  /** Compare masks or boxes; every object must carry the one chosen. @defaultValue 'mask' */
  similarity?: 'mask' | 'box';
}

export interface HotaAtAlpha {
  alpha: number;
  hota: number;
  detA: number;
  assA: number;
  locA: number;
  tp: number;
  fn: number;
  fp: number;
}

export interface HotaResult {
  /** Means over the 19 α. */
  hota: number;
  detA: number;
  assA: number;
  locA: number;
  perAlpha: HotaAtAlpha[];
}

export interface TrackingMetrics {
  frames: number;
  /** Ground-truth object occurrences (py-motmetrics' num_objects). */
  gt: number;
  /** Predicted occurrences (num_predictions). */
  predictions: number;
  gtIds: number;
  predIds: number;
  matches: number;
  switches: number;
  fragmentations: number;
  falsePositives: number;
  misses: number;
  mota: number;
  /** Mean 1 − IoU over matches and switches (py-motmetrics' MOTP: lower is better). */
  motp: number;
  idtp: number;
  idfp: number;
  idfn: number;
  idf1: number;
  idp: number;
  idr: number;
  hota: HotaResult;
}

/** TrackEval's `np.arange(0.05, 0.99, 0.05)`: start + i·step, as numpy computes it. */
export const HOTA_ALPHAS: readonly number[] = Array.from({ length: 19 }, (_, i) => 0.05 + i * 0.05);

const EPS = 2.220446049250313e-16; // np.finfo(float).eps

function similarityOf(a: MotObject, b: MotObject, mode: 'mask' | 'box'): number {
  if (a.classId !== undefined && b.classId !== undefined && a.classId !== b.classId) return 0;
  return mode === 'mask' ? rleIou(a.mask!, b.mask!) : boxIou(a.box!, 0, b.box!, 0);
}

function checkFrame(frame: MotFrame, f: number, mode: 'mask' | 'box'): void {
  for (const [side, list] of [['gt', frame.gt], ['pred', frame.pred]] as const) {
    const seen = new Set<number>();
    for (const o of list) {
      if (seen.has(o.id)) throw new RangeError(`tracking eval: frame ${f}: ${side} id ${o.id} appears twice`);
      seen.add(o.id);
      if (mode === 'mask' ? !o.mask : !o.box) throw new RangeError(`tracking eval: frame ${f}: ${side} id ${o.id} has no ${mode}`);
    }
  }
}

const div = (a: number, b: number): number => (b === 0 ? NaN : a / b);

/** Counts per id pair, keyed by the ids' dense indices. */
class PairCounts {
  readonly values = new Map<number, number>();
  constructor(private readonly stride: number) {}
  add(i: number, j: number, v: number): void {
    const k = i * this.stride + j;
    this.values.set(k, (this.values.get(k) ?? 0) + v);
  }
  get(i: number, j: number): number {
    return this.values.get(i * this.stride + j) ?? 0;
  }
}

export function evaluateTracking(frames: readonly MotFrame[], options: MotMetricsOptions = {}): TrackingMetrics {
  const thr = options.iouThreshold ?? 0.5;
  const mode = options.similarity ?? 'mask';
  if (!(thr >= 0 && thr <= 1)) throw new RangeError(`tracking eval: iouThreshold must be in [0, 1], got ${thr}`);
  if (mode !== 'mask' && mode !== 'box') throw new RangeError(`tracking eval: similarity must be mask or box, got ${String(mode)}`);
  const maxDist = 1 - thr;

  // Dense indices for ids, in order of first appearance.
  const gtIndex = new Map<number, number>();
  const predIndex = new Map<number, number>();
  frames.forEach((fr, f) => {
    checkFrame(fr, f, mode);
    for (const o of fr.gt) if (!gtIndex.has(o.id)) gtIndex.set(o.id, gtIndex.size);
    for (const o of fr.pred) if (!predIndex.has(o.id)) predIndex.set(o.id, predIndex.size);
  });
  const nGtIds = gtIndex.size, nPredIds = predIndex.size;

  const sims = frames.map((fr) => {
    const s = new Float64Array(fr.gt.length * fr.pred.length);
    fr.gt.forEach((g, i) => fr.pred.forEach((p, j) => (s[i * fr.pred.length + j] = similarityOf(g, p, mode))));
    return s;
  });

  // --- CLEAR-MOT ---
  const partner = new Map<number, number>(); // gt id -> predicted id of its last match
  const missedLog: boolean[][] = Array.from({ length: nGtIds }, () => []);
  let matches = 0, switches = 0, fp = 0, fn = 0, distSum = 0, gtCount = 0, predCount = 0;
  const idTp = new PairCounts(nPredIds);
  const gtIdCount = new Float64Array(nGtIds);
  const predIdCount = new Float64Array(nPredIds);

  frames.forEach((fr, f) => {
    const ng = fr.gt.length, np = fr.pred.length;
    gtCount += ng;
    predCount += np;
    const dist = new Float64Array(ng * np);
    for (let k = 0; k < dist.length; k++) {
      const d = 1 - sims[f][k];
      dist[k] = d <= maxDist ? d : NaN;
    }
    for (let i = 0; i < ng; i++) {
      gtIdCount[gtIndex.get(fr.gt[i].id)!]++;
      for (let j = 0; j < np; j++) {
        if (!Number.isNaN(dist[i * np + j])) idTp.add(gtIndex.get(fr.gt[i].id)!, predIndex.get(fr.pred[j].id)!, 1);
      }
    }
    for (const p of fr.pred) predIdCount[predIndex.get(p.id)!]++;

    const gtDone = new Uint8Array(ng), predDone = new Uint8Array(np);
    const take = (i: number, j: number, isSwitch: boolean): void => {
      gtDone[i] = 1;
      predDone[j] = 1;
      partner.set(fr.gt[i].id, fr.pred[j].id);
      distSum += dist[i * np + j];
      if (isSwitch) switches++;
      else matches++;
    };
    if (ng > 0 && np > 0) {
      // 1. Previous correspondences that still hold.
      for (let i = 0; i < ng; i++) {
        const prev = partner.get(fr.gt[i].id);
        if (prev === undefined) continue;
        const j = fr.pred.findIndex((p, jj) => !predDone[jj] && p.id === prev);
        if (j >= 0 && !Number.isNaN(dist[i * np + j])) take(i, j, false);
      }
      // 2. The rest by min-cost matching.
      const rest = new Float64Array(ng * np);
      for (let i = 0; i < ng; i++) {
        for (let j = 0; j < np; j++) rest[i * np + j] = gtDone[i] || predDone[j] ? NaN : dist[i * np + j];
      }
      const a = minCostAssignment(rest, ng, np);
      for (let i = 0; i < ng; i++) {
        const j = a.rowToCol[i];
        if (j < 0) continue;
        const prev = partner.get(fr.gt[i].id);
        take(i, j, prev !== undefined && prev !== fr.pred[j].id);
      }
    }
    for (let i = 0; i < ng; i++) {
      missedLog[gtIndex.get(fr.gt[i].id)!].push(!gtDone[i]);
      if (!gtDone[i]) fn++;
    }
    for (let j = 0; j < np; j++) if (!predDone[j]) fp++;
  });

  let fragmentations = 0;
  for (const log of missedLog) {
    const first = log.indexOf(false), last = log.lastIndexOf(false);
    for (let k = Math.max(first, 0) + 1; k <= last; k++) if (log[k] && !log[k - 1]) fragmentations++;
  }

  // --- ID measures: the id mapping collecting the most co-occurrences ---
  let idtp = 0;
  if (nGtIds > 0 && nPredIds > 0) {
    const cost = new Float64Array(nGtIds * nPredIds);
    for (let i = 0; i < nGtIds; i++) for (let j = 0; j < nPredIds; j++) cost[i * nPredIds + j] = -idTp.get(i, j);
    const a = minCostAssignment(cost, nGtIds, nPredIds);
    for (let i = 0; i < nGtIds; i++) if (a.rowToCol[i] >= 0) idtp += idTp.get(i, a.rowToCol[i]);
  }

  const detections = matches + switches;
  return {
    frames: frames.length,
    gt: gtCount,
    predictions: predCount,
    gtIds: nGtIds,
    predIds: nPredIds,
    matches,
    switches,
    fragmentations,
    falsePositives: fp,
    misses: fn,
    mota: 1 - div(fn + fp + switches, gtCount),
    motp: div(distSum, detections),
    idtp,
    idfp: predCount - idtp,
    idfn: gtCount - idtp,
    idf1: div(2 * idtp, gtCount + predCount),
    idp: div(idtp, predCount),
    idr: div(idtp, gtCount),
    hota: hota(frames, sims, gtIndex, predIndex, gtIdCount, predIdCount),
  };
}

/** TrackEval's HOTA for one sequence (see the module comment). */
function hota(
  frames: readonly MotFrame[], sims: Float64Array[], gtIndex: Map<number, number>, predIndex: Map<number, number>,
  gtIdCount: Float64Array, predIdCount: Float64Array,
): HotaResult {
  const nA = HOTA_ALPHAS.length;
  const tp = new Float64Array(nA), fnA = new Float64Array(nA), fpA = new Float64Array(nA), loc = new Float64Array(nA);
  const nGt = gtIndex.size, nPred = predIndex.size;
  const gtDets = frames.reduce((s, fr) => s + fr.gt.length, 0);
  const predDets = frames.reduce((s, fr) => s + fr.pred.length, 0);
  const finish = (assA: Float64Array): HotaResult => {
    const perAlpha = HOTA_ALPHAS.map((alpha, a) => {
      const detA = tp[a] / Math.max(1, tp[a] + fnA[a] + fpA[a]);
      return {
        alpha, detA, assA: assA[a], hota: Math.sqrt(detA * assA[a]),
        locA: Math.max(1e-10, loc[a]) / Math.max(1e-10, tp[a]), tp: tp[a], fn: fnA[a], fp: fpA[a],
      };
    });
    const mean = (k: 'hota' | 'detA' | 'assA' | 'locA'): number => perAlpha.reduce((s, r) => s + r[k], 0) / nA;
    return { hota: mean('hota'), detA: mean('detA'), assA: mean('assA'), locA: mean('locA'), perAlpha };
  };
  // TrackEval's early exits: nothing predicted, or nothing to find (LocA reads 1 there).
  if (predDets === 0 || gtDets === 0) {
    (predDets === 0 ? fnA : fpA).fill(predDets === 0 ? gtDets : predDets);
    loc.fill(1e-10);
    return finish(new Float64Array(nA));
  }

  // Global alignment between ids, from per-frame similarities normalised like an IoU.
  const potential = new PairCounts(nPred);
  frames.forEach((fr, f) => {
    const ng = fr.gt.length, np = fr.pred.length, s = sims[f];
    const rowSum = new Float64Array(ng), colSum = new Float64Array(np);
    for (let i = 0; i < ng; i++) for (let j = 0; j < np; j++) {
      rowSum[i] += s[i * np + j];
      colSum[j] += s[i * np + j];
    }
    for (let i = 0; i < ng; i++) for (let j = 0; j < np; j++) {
      const denom = colSum[j] + rowSum[i] - s[i * np + j];
      if (denom > EPS) potential.add(gtIndex.get(fr.gt[i].id)!, predIndex.get(fr.pred[j].id)!, s[i * np + j] / denom);
    }
  });
  const alignment = (gi: number, pj: number): number => {
    const p = potential.get(gi, pj);
    return p / (gtIdCount[gi] + predIdCount[pj] - p);
  };

  const matched = HOTA_ALPHAS.map(() => new PairCounts(nPred));
  frames.forEach((fr, f) => {
    const ng = fr.gt.length, np = fr.pred.length, s = sims[f];
    if (ng === 0 || np === 0) {
      for (let a = 0; a < nA; a++) {
        fpA[a] += np;
        fnA[a] += ng;
      }
      return;
    }
    const gi = fr.gt.map((o) => gtIndex.get(o.id)!), pj = fr.pred.map((o) => predIndex.get(o.id)!);
    const negScore = new Float64Array(ng * np);
    for (let i = 0; i < ng; i++) for (let j = 0; j < np; j++) negScore[i * np + j] = -alignment(gi[i], pj[j]) * s[i * np + j];
    const asg = minCostAssignment(negScore, ng, np);
    for (let a = 0; a < nA; a++) {
      let n = 0;
      for (let i = 0; i < ng; i++) {
        const j = asg.rowToCol[i];
        if (j < 0 || !(s[i * np + j] >= HOTA_ALPHAS[a] - EPS)) continue;
        n++;
        loc[a] += s[i * np + j];
        matched[a].add(gi[i], pj[j], 1);
      }
      tp[a] += n;
      fnA[a] += ng - n;
      fpA[a] += np - n;
    }
  });
  const assA = new Float64Array(nA);
  for (let a = 0; a < nA; a++) {
    let sum = 0;
    for (const [k, c] of matched[a].values) {
      const g = Math.floor(k / nPred), p = k % nPred;
      sum += (c * c) / Math.max(1, gtIdCount[g] + predIdCount[p] - c);
    }
    assA[a] = sum / Math.max(1, tp[a]);
  }
  return finish(assA);
}
