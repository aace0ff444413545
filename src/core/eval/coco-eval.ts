/**
 * COCO instance-segmentation evaluation (iouType 'segm'), a port of pycocotools' `COCOeval`
 * (`evaluate` + `accumulate` + `summarize`) that reproduces its numbers:
 *
 * - IoU thresholds 0.50:0.05:0.95 and recall thresholds 0:0.01:1 built like `np.linspace` (so the
 *   9th IoU threshold is 0.8999999999999999, as there);
 * - per image and category: detections stably sorted by descending score and cut to maxDets[-1]
 *   (100) before matching; each detection, best first, takes the unmatched ground truth with the
 *   highest IoU >= threshold (on equal IoU the later GT wins, as pycocotools' `<` test does); a GT
 *   is matched at most once unless it is a crowd region;
 * - area ranges all / small (< 32²) / medium / large (> 96²), inclusive at both ends like
 *   pycocotools, using the GT annotation's `area` and the detection's `area` (its mask's pixel
 *   count unless the loader set one: see load.ts for pycocotools' rule); GTs outside the range
 *   (and crowd GTs) are ignored, detections matched to ignored GTs are ignored, unmatched
 *   detections outside the range are ignored;
 * - crowd GT (`iscrowd`): IoU = intersection / detection area, may absorb any number of
 *   detections, never counts as a GT to find;
 * - precision = tp / (tp + fp + eps), the envelope made monotone from the right, read at the recall
 *   thresholds with `searchsorted(rc, recThrs, side='left')` (0 past the last recall reached);
 *   -1 where a category has no (non-ignored) GT, and such entries are left out of every mean;
 * - means are taken like `np.mean` (pairwise summation), so results agree to the last bit in
 *   ordinary cases.
 *
 * Besides the 12 COCO numbers it reports, per category and overall, the matched instances' mean IoU
 * and mean Dice (matches at IoU >= 0.5, area 'all', maxDets 100) and the counts behind them.
 */
import { rleArea, rleIou, rleToBbox } from '../rle.js';
import type { Rle } from '../types.js';

/** An image (a frame) of the ground truth. */
export interface EvalImage {
  id: number;
  width: number;
  height: number;
}

export interface EvalCategory {
  id: number;
  name: string;
}

/** A ground-truth instance. `area` is the annotation's own `area` field (what COCOeval uses). */
export interface GtInstance {
  id: number;
  imageId: number;
  categoryId: number;
  mask: Rle;
  area: number;
  iscrowd?: boolean;
  /** The object's identity across frames (synth's `track_id`), for the tracking metrics. */
  trackId?: number;
}

/**
 * A detection. `area` only picks its size range (small/medium/large), never its IoU; it defaults
 * to the mask's pixel count. pycocotools' `loadRes` makes it the bbox w·h when the first result has
 * a bbox (load.ts applies that rule).
 */
export interface DetInstance {
  imageId: number;
  categoryId: number;
  score: number;
  mask: Rle;
  area?: number;
  /** The tracker's id (JSONL `trackId`, COCO `track_id`), for the tracking metrics. */
  trackId?: number;
}

export interface EvalInput {
  images: EvalImage[];
  categories: EvalCategory[];
  gt: GtInstance[];
  dets: DetInstance[];
}

export interface AreaRange {
  label: 'all' | 'small' | 'medium' | 'large';
  min: number;
  max: number;
}

/** `np.linspace(start, stop, num)` to the bit: i * ((stop - start) / (num - 1)) + start, last = stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

export const IOU_THRESHOLDS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));
export const RECALL_THRESHOLDS: readonly number[] = Object.freeze(linspace(0, 1, 101));
export const MAX_DETS: readonly number[] = Object.freeze([1, 10, 100]);
export const AREA_RANGES: readonly AreaRange[] = Object.freeze([
  { label: 'all', min: 0, max: 1e10 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e10 },
]);

/** The 12 numbers of `COCOeval.summarize()`; -1 where undefined (no GT), as there. */
export interface CocoSummary {
  /** AP @[IoU=0.50:0.95 | area=all | maxDets=100] */
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  /** AR @[IoU=0.50:0.95 | area=all | maxDets=1] */
  ar1: number;
  ar10: number;
  ar100: number;
  arSmall: number;
  arMedium: number;
  arLarge: number;
}

/**
 * What happened to the instances at IoU 0.5, area 'all', maxDets 100 (the AP50 matching).
 * `matched + falsePositives + ignoredDetections + truncatedDetections = detections` and
 * `matched + misses = gt`.
 */
export interface MatchCounts {
  /** GT instances that count (crowd regions excluded). */
  gt: number;
  /** Crowd GT regions (ignored: they neither need finding nor make false positives). */
  crowdGt: number;
  detections: number;
  /** True positives. */
  matched: number;
  falsePositives: number;
  /** GT instances no detection matched (false negatives). */
  misses: number;
  /** Detections that matched a crowd region (neither TP nor FP). */
  ignoredDetections: number;
  /** Detections beyond maxDets (100) per image and category, left out before matching. */
  truncatedDetections: number;
}

export interface CategoryResult extends MatchCounts {
  id: number;
  name: string;
  /** AP @[0.50:0.95], all areas, maxDets 100; -1 when the category has no GT. */
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  ar100: number;
  /** Mean IoU of this category's matched instances (IoU >= 0.5); null when none matched. */
  meanIou: number | null;
  /** Mean Dice (2|A∩B| / (|A|+|B|) = 2·IoU / (1 + IoU)) of the same matches. */
  meanDice: number | null;
}

export interface CocoEvalResult extends CocoSummary {
  /** The summary in pycocotools' `stats` order (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl). */
  stats: number[];
  /** Mean IoU over all matched instances (each match weighs the same, whatever its class). */
  meanIou: number | null;
  meanDice: number | null;
  counts: MatchCounts & { images: number; categories: number };
  categories: CategoryResult[];
  params: { iouThresholds: number[]; recallThresholds: number; maxDets: number[]; areaRanges: AreaRange[] };
}

/** Per image × category × area range: what `COCOeval.evaluateImg` returns. */
interface ImgEval {
  /** Detection scores, best first, at most maxDets[-1]. */
  scores: Float64Array;
  /** [T × D] 1 where the detection matched a GT at that IoU threshold. */
  dtMatched: Uint8Array;
  /** [T × D] 1 where the detection is ignored. */
  dtIgnore: Uint8Array;
  /** GTs that count in this area range. */
  npig: number;
  nIgnoredGt: number;
  /** Only for area 'all': IoU of each detection's match at the first threshold (NaN when none). */
  iou0: Float64Array | null;
}

/** `np.mean` of a 1-D float64 array: pairwise summation (numpy's `pairwise_sum`) / n. */
export function npMean(a: ArrayLike<number>): number {
  return pairwiseSum(a, 0, a.length) / a.length;
}

function pairwiseSum(a: ArrayLike<number>, off: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[off + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[off], a[off + 1], a[off + 2], a[off + 3], a[off + 4], a[off + 5], a[off + 6], a[off + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[off + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[off + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, off, n2) + pairwiseSum(a, off + n2, n - n2);
}

/** Mean of the entries > -1, or -1 when there are none (`_summarize`). */
function meanDefined(values: number[]): number {
  const kept = values.filter((v) => v > -1);
  return kept.length === 0 ? -1 : npMean(kept);
}

/** Indices of `keys` in stable descending order (numpy `argsort(-keys, kind='mergesort')`). */
function argsortDesc(keys: ArrayLike<number>): number[] {
  const idx = Array.from({ length: keys.length }, (_, i) => i);
  // Array.prototype.sort is stable; equal scores keep their order.
  idx.sort((i, j) => (keys[j] > keys[i] ? 1 : keys[j] < keys[i] ? -1 : 0));
  return idx;
}

function boxesOverlap(a: number[], b: number[]): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/**
 * Evaluates `input.dets` against `input.gt` like pycocotools `COCOeval(gt, dt, 'segm')`.
 * Every image of `input.images` takes part (an image without detections contributes its GT as
 * misses). Detections and GTs on images or categories outside the lists are left out (pycocotools
 * filters them the same way); masks must have their image's size.
 */
export function cocoEvalSegm(input: EvalInput): CocoEvalResult {
  const iouThrs = IOU_THRESHOLDS;
  const recThrs = RECALL_THRESHOLDS;
  const maxDets = MAX_DETS;
  const areaRngs = AREA_RANGES;
  const T = iouThrs.length;
  const R = recThrs.length;
  const A = areaRngs.length;
  const M = maxDets.length;
  const maxDet = maxDets[M - 1];

  const imgIds = [...new Set(input.images.map((im) => im.id))].sort((a, b) => a - b);
  const cats = [...new Map(input.categories.map((c) => [c.id, c])).values()].sort((a, b) => a.id - b.id);
  const I = imgIds.length;
  const K = cats.length;
  const imgIndex = new Map(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(cats.map((c, k) => [c.id, k]));
  const imgSize = new Map(input.images.map((im) => [im.id, [im.height, im.width]]));

  // Group by (category, image), keeping input order (which is what pycocotools' lists keep).
  const gts: (GtInstance[] | undefined)[] = new Array(K * I);
  const dts: (DetInstance[] | undefined)[] = new Array(K * I);
  const checkSize = (mask: Rle, imageId: number, what: string): void => {
    const s = imgSize.get(imageId)!;
    if (mask.size[0] !== s[0] || mask.size[1] !== s[1]) {
      throw new RangeError(`${what} on image ${imageId}: mask is ${mask.size[1]}x${mask.size[0]}, the image ${s[1]}x${s[0]}`);
    }
  };
  for (const g of input.gt) {
    const i = imgIndex.get(g.imageId);
    const k = catIndex.get(g.categoryId);
    if (i === undefined || k === undefined) continue;
    checkSize(g.mask, g.imageId, `ground truth ${g.id}`);
    (gts[k * I + i] ??= []).push(g);
  }
  for (const d of input.dets) {
    const i = imgIndex.get(d.imageId);
    const k = catIndex.get(d.categoryId);
    if (i === undefined || k === undefined) continue;
    checkSize(d.mask, d.imageId, 'detection');
    (dts[k * I + i] ??= []).push(d);
  }

  // evaluate(): per category, area range and image.
  const evalImgs: (ImgEval | null)[] = new Array(K * A * I).fill(null);
  const perCatDetections = new Array<number>(K).fill(0);
  const perCatTruncated = new Array<number>(K).fill(0);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < I; i++) {
      const gt = gts[k * I + i] ?? [];
      const dtAll = dts[k * I + i] ?? [];
      if (gt.length === 0 && dtAll.length === 0) continue;
      perCatDetections[k] += dtAll.length;
      const order = argsortDesc(dtAll.map((d) => d.score));
      const dt = order.slice(0, maxDet).map((j) => dtAll[j]);
      perCatTruncated[k] += dtAll.length - dt.length;
      const D = dt.length;
      const G = gt.length;
      const dtArea = dt.map((d) => d.area ?? rleArea(d.mask));

      // computeIoU: [D × G], crowd GTs scored by intersection / detection area.
      const ious = new Float64Array(D * G);
      if (D > 0 && G > 0) {
        const gBoxes = gt.map((g) => rleToBbox(g.mask));
        for (let d = 0; d < D; d++) {
          const dBox = rleToBbox(dt[d].mask);
          for (let g = 0; g < G; g++) {
            // Disjoint boxes: no intersection, IoU 0 (pycocotools' bbox pre-test does the same).
            if (!boxesOverlap(dBox, gBoxes[g])) continue;
            ious[d * G + g] = rleIou(dt[d].mask, gt[g].mask, gt[g].iscrowd === true);
          }
        }
      }

      for (let a = 0; a < A; a++) {
        const rng = areaRngs[a];
        // evaluateImg: GTs outside the range (and crowd regions) are ignored, sorted last.
        const ignoreRaw = gt.map((g) => (g.iscrowd || g.area < rng.min || g.area > rng.max ? 1 : 0));
        const gtind = Array.from({ length: G }, (_, j) => j).sort((x, y) => ignoreRaw[x] - ignoreRaw[y]);
        const gtIg = gtind.map((j) => ignoreRaw[j]);
        const crowd = gtind.map((j) => gt[j].iscrowd === true);
        const gtm = new Uint8Array(T * G);
        const dtMatched = new Uint8Array(T * D);
        const dtIgnore = new Uint8Array(T * D);
        const iou0 = a === 0 ? new Float64Array(D).fill(NaN) : null;
        if (D > 0 && G > 0) {
          for (let t = 0; t < T; t++) {
            for (let d = 0; d < D; d++) {
              let iou = Math.min(iouThrs[t], 1 - 1e-10);
              let m = -1;
              for (let gi = 0; gi < G; gi++) {
                // Already matched and not a crowd: taken.
                if (gtm[t * G + gi] && !crowd[gi]) continue;
                // Matched to a regular GT already, and the rest are ignored ones: stop.
                if (m > -1 && gtIg[m] === 0 && gtIg[gi] === 1) break;
                const v = ious[d * G + gtind[gi]];
                if (v < iou) continue;
                iou = v;
                m = gi;
              }
              if (m === -1) continue;
              dtIgnore[t * D + d] = gtIg[m];
              dtMatched[t * D + d] = 1;
              gtm[t * G + m] = 1;
              if (iou0 && t === 0) iou0[d] = ious[d * G + gtind[m]];
            }
          }
        }
        // Unmatched detections outside the area range are ignored.
        for (let d = 0; d < D; d++) {
          if (dtArea[d] < rng.min || dtArea[d] > rng.max) {
            for (let t = 0; t < T; t++) if (!dtMatched[t * D + d]) dtIgnore[t * D + d] = 1;
          }
        }
        let npig = 0;
        for (const v of gtIg) if (v === 0) npig++;
        evalImgs[(k * A + a) * I + i] = {
          scores: Float64Array.from(dt, (x) => x.score),
          dtMatched,
          dtIgnore,
          npig,
          nIgnoredGt: G - npig,
          iou0,
        };
      }
    }
  }

  // accumulate(): precision [T,R,K,A,M] and recall [T,K,A,M], -1 where undefined.
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const pIdx = (t: number, r: number, k: number, a: number, m: number): number => (((t * R + r) * K + k) * A + a) * M + m;
  const rIdx = (t: number, k: number, a: number, m: number): number => ((t * K + k) * A + a) * M + m;
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E: ImgEval[] = [];
      for (let i = 0; i < I; i++) {
        const e = evalImgs[(k * A + a) * I + i];
        if (e) E.push(e);
      }
      if (E.length === 0) continue;
      let npig = 0;
      for (const e of E) npig += e.npig;
      if (npig === 0) continue;
      for (let m = 0; m < M; m++) {
        const md = maxDets[m];
        // Concatenate each image's first md detections, then sort all stably by score.
        const src: [ImgEval, number][] = [];
        for (const e of E) {
          const n = Math.min(md, e.scores.length);
          for (let d = 0; d < n; d++) src.push([e, d]);
        }
        const order = argsortDesc(src.map(([e, d]) => e.scores[d]));
        const nd = order.length;
        const tp = new Float64Array(nd);
        const fp = new Float64Array(nd);
        const rc = new Float64Array(nd);
        const pr = new Float64Array(nd);
        for (let t = 0; t < T; t++) {
          let tpSum = 0;
          let fpSum = 0;
          for (let j = 0; j < nd; j++) {
            const [e, d] = src[order[j]];
            const D = e.scores.length;
            const ign = e.dtIgnore[t * D + d] === 1;
            const matched = e.dtMatched[t * D + d] === 1;
            if (matched && !ign) tpSum++;
            if (!matched && !ign) fpSum++;
            tp[j] = tpSum;
            fp[j] = fpSum;
            rc[j] = tpSum / npig;
            pr[j] = tpSum / (fpSum + tpSum + Number.EPSILON);
          }
          recall[rIdx(t, k, a, m)] = nd ? rc[nd - 1] : 0;
          for (let j = nd - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
          // searchsorted(rc, recThrs, side='left'); past the end the precision stays 0.
          let j = 0;
          for (let r = 0; r < R; r++) {
            while (j < nd && rc[j] < recThrs[r]) j++;
            precision[pIdx(t, r, k, a, m)] = j < nd ? pr[j] : 0;
          }
        }
      }
    }
  }

  // summarize()
  const areaIndex = (label: AreaRange['label']): number => areaRngs.findIndex((r) => r.label === label);
  const thrIndex = (thr: number): number => iouThrs.findIndex((v) => v === thr);
  const apOf = (opts: { thr?: number; area?: AreaRange['label']; maxDets?: number; k?: number }): number => {
    const a = areaIndex(opts.area ?? 'all');
    const m = maxDets.indexOf(opts.maxDets ?? 100);
    const ts = opts.thr === undefined ? [...iouThrs.keys()] : [thrIndex(opts.thr)];
    const ks = opts.k === undefined ? [...Array(K).keys()] : [opts.k];
    const vals: number[] = [];
    for (const t of ts) for (let r = 0; r < R; r++) for (const k of ks) vals.push(precision[pIdx(t, r, k, a, m)]);
    return meanDefined(vals);
  };
  const arOf = (opts: { area?: AreaRange['label']; maxDets?: number; k?: number }): number => {
    const a = areaIndex(opts.area ?? 'all');
    const m = maxDets.indexOf(opts.maxDets ?? 100);
    const ks = opts.k === undefined ? [...Array(K).keys()] : [opts.k];
    const vals: number[] = [];
    for (let t = 0; t < T; t++) for (const k of ks) vals.push(recall[rIdx(t, k, a, m)]);
    return meanDefined(vals);
  };

  const summary: CocoSummary = {
    ap: apOf({}),
    ap50: apOf({ thr: 0.5 }),
    ap75: apOf({ thr: 0.75 }),
    apSmall: apOf({ area: 'small' }),
    apMedium: apOf({ area: 'medium' }),
    apLarge: apOf({ area: 'large' }),
    ar1: arOf({ maxDets: maxDets[0] }),
    ar10: arOf({ maxDets: maxDets[1] }),
    ar100: arOf({ maxDets: maxDets[2] }),
    arSmall: arOf({ area: 'small' }),
    arMedium: arOf({ area: 'medium' }),
    arLarge: arOf({ area: 'large' }),
  };

  // Matches at IoU 0.5, area 'all', maxDets 100: counts, mean IoU and Dice.
  const allIous: number[] = [];
  const totals: MatchCounts = { gt: 0, crowdGt: 0, detections: 0, matched: 0, falsePositives: 0, misses: 0, ignoredDetections: 0, truncatedDetections: 0 };
  const categories: CategoryResult[] = cats.map((cat, k) => {
    const c: MatchCounts = { gt: 0, crowdGt: 0, detections: perCatDetections[k], matched: 0, falsePositives: 0, misses: 0, ignoredDetections: 0, truncatedDetections: perCatTruncated[k] };
    const ious: number[] = [];
    for (let i = 0; i < I; i++) {
      const e = evalImgs[(k * A + 0) * I + i];
      if (!e) continue;
      c.gt += e.npig;
      c.crowdGt += e.nIgnoredGt;
      const D = e.scores.length;
      for (let d = 0; d < D; d++) {
        const ign = e.dtIgnore[d] === 1; // t = 0
        if (ign) c.ignoredDetections++;
        else if (e.dtMatched[d]) {
          c.matched++;
          ious.push(e.iou0![d]);
        } else c.falsePositives++;
      }
    }
    c.misses = c.gt - c.matched;
    for (const key of Object.keys(totals) as (keyof MatchCounts)[]) totals[key] += c[key];
    allIous.push(...ious);
    return {
      id: cat.id,
      name: cat.name,
      ap: apOf({ k }),
      ap50: apOf({ k, thr: 0.5 }),
      ap75: apOf({ k, thr: 0.75 }),
      apSmall: apOf({ k, area: 'small' }),
      apMedium: apOf({ k, area: 'medium' }),
      apLarge: apOf({ k, area: 'large' }),
      ar100: arOf({ k }),
      ...c,
      ...iouStats(ious),
    };
  });

  return {
    ...summary,
    stats: [
      summary.ap, summary.ap50, summary.ap75, summary.apSmall, summary.apMedium, summary.apLarge,
      summary.ar1, summary.ar10, summary.ar100, summary.arSmall, summary.arMedium, summary.arLarge,
    ],
    ...iouStats(allIous),
    counts: { images: I, categories: K, ...totals },
    categories,
    params: { iouThresholds: [...iouThrs], recallThresholds: R, maxDets: [...maxDets], areaRanges: areaRngs.map((r) => ({ ...r })) },
  };
}

/** Mean IoU and mean Dice (2·IoU / (1 + IoU) per pair) of matched pairs; null when there are none. */
function iouStats(ious: number[]): { meanIou: number | null; meanDice: number | null } {
  if (ious.length === 0) return { meanIou: null, meanDice: null };
  let s = 0;
  let sd = 0;
  for (const v of ious) {
    s += v;
    sd += (2 * v) / (1 + v);
  }
  return { meanIou: s / ious.length, meanDice: sd / ious.length };
}
