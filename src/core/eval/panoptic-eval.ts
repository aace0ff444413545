/**
 * Panoptic quality (Kirillov et al.; COCO panopticapi's pq_compute) from segment-id maps: each
 * pixel holds the id of the one segment covering it, 0 = void (unlabelled). Per image, a
 * ground-truth and a predicted segment of the same category match when their IoU > 0.5 — unique
 * by construction, since segments do not overlap — where the union leaves out the predicted
 * pixels that fall on void. Per category: PQ = ΣIoU(TP) / (TP + FP/2 + FN/2), SQ = ΣIoU / TP,
 * RQ = TP / (TP + FP/2 + FN/2); a predicted segment lying more than half on void is not a false
 * positive. The overall PQ, SQ and RQ are the means over categories with any TP, FP or FN.
 */

export interface PanopticSegmentInfo {
  id: number;
  categoryId: number;
}

export interface PanopticClassScore {
  categoryId: number;
  pq: number;
  sq: number;
  rq: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface PanopticScores {
  classes: PanopticClassScore[];
  pq: number;
  sq: number;
  rq: number;
}

export class PanopticAccumulator {
  private readonly stats = new Map<number, { tp: number; fp: number; fn: number; iou: number }>();

  private stat(categoryId: number) {
    let s = this.stats.get(categoryId);
    if (!s) this.stats.set(categoryId, (s = { tp: 0, fp: 0, fn: 0, iou: 0 }));
    return s;
  }

  /** Adds one image: segment-id maps of the same pixels and the segments each one lists. */
  add(gtIds: Int32Array, gtSegments: readonly PanopticSegmentInfo[], predIds: Int32Array, predSegments: readonly PanopticSegmentInfo[]): void {
    if (gtIds.length !== predIds.length) throw new Error('panoptic maps differ in size');
    const area = (ids: Int32Array) => {
      const m = new Map<number, number>();
      for (let i = 0; i < ids.length; i++) m.set(ids[i], (m.get(ids[i]) ?? 0) + 1);
      return m;
    };
    const gtArea = area(gtIds), predArea = area(predIds);
    // Intersections per (gt, pred) id pair: one Map entry per pair, not per pixel.
    const inter = new Map<number, number>();
    let maxPred = 0;
    for (const s of predSegments) maxPred = Math.max(maxPred, s.id);
    const K = maxPred + 1;
    for (let i = 0; i < gtIds.length; i++) {
      const key = gtIds[i] * K + predIds[i];
      inter.set(key, (inter.get(key) ?? 0) + 1);
    }
    const predCat = new Map(predSegments.map((s) => [s.id, s.categoryId]));
    const matchedGt = new Set<number>(), matchedPred = new Set<number>();
    for (const g of gtSegments) {
      for (const p of predSegments) {
        if (p.categoryId !== g.categoryId) continue;
        const n = inter.get(g.id * K + p.id) ?? 0;
        if (n === 0) continue;
        const onVoid = inter.get(0 * K + p.id) ?? 0;
        const union = (gtArea.get(g.id) ?? 0) + (predArea.get(p.id) ?? 0) - n - onVoid;
        const iou = n / union;
        if (iou > 0.5) {
          const s = this.stat(g.categoryId);
          s.tp++;
          s.iou += iou;
          matchedGt.add(g.id);
          matchedPred.add(p.id);
        }
      }
    }
    for (const g of gtSegments) if (!matchedGt.has(g.id)) this.stat(g.categoryId).fn++;
    for (const p of predSegments) {
      if (matchedPred.has(p.id)) continue;
      const a = predArea.get(p.id) ?? 0;
      if (a > 0 && (inter.get(p.id) ?? 0) / a > 0.5) continue; // mostly on void: not counted
      this.stat(predCat.get(p.id)!).fp++;
    }
  }

  scores(): PanopticScores {
    const classes: PanopticClassScore[] = [];
    for (const [categoryId, s] of [...this.stats].sort((a, b) => a[0] - b[0])) {
      const denom = s.tp + s.fp / 2 + s.fn / 2;
      if (denom === 0) continue;
      classes.push({ categoryId, pq: s.iou / denom, sq: s.tp ? s.iou / s.tp : 0, rq: s.tp / denom, tp: s.tp, fp: s.fp, fn: s.fn });
    }
    const mean = (f: (c: PanopticClassScore) => number) => (classes.length ? classes.reduce((t, c) => t + f(c), 0) / classes.length : 0);
    return { classes, pq: mean((c) => c.pq), sq: mean((c) => c.sq), rq: mean((c) => c.rq) };
  }
}
