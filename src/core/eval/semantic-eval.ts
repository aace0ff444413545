/**
 * Semantic segmentation metrics from one confusion matrix (rows = ground truth, columns =
 * prediction), pixels whose ground truth is the ignore label left out:
 * per class IoU = TP / (TP + FP + FN) and Dice = 2TP / (2TP + FP + FN); mean IoU over the classes
 * that occur (in the ground truth or the prediction); pixel accuracy = trace / total;
 * frequency-weighted IoU = sum over classes of (GT pixels of the class / total) * IoU.
 */

/** The label that marks "do not score this pixel" in a ground-truth map. */
export const IGNORE_LABEL = 255;

export interface SemanticClassScore {
  classId: number;
  name: string;
  /** Null when the class occurs in neither the ground truth nor the prediction. */
  iou: number | null;
  dice: number | null;
  gtPixels: number;
  predPixels: number;
  truePositives: number;
}

export interface SemanticScores {
  classes: SemanticClassScore[];
  meanIou: number;
  /** Mean Dice over the same classes as the mean IoU. */
  meanDice: number;
  pixelAccuracy: number;
  frequencyWeightedIou: number;
  /** Pixels scored (ignore-labelled ones excluded). */
  pixels: number;
  ignoredPixels: number;
}

/** Accumulates label maps of classes 0..classes-1 (ground truth may also hold {@link IGNORE_LABEL}). */
export class ConfusionMatrix {
  /** counts[gt * classes + pred]. */
  readonly counts: Float64Array;
  ignored = 0;

  constructor(readonly classes: number) {
    this.counts = new Float64Array(classes * classes);
  }

  /**
   * Adds one image: `gt` and `pred` are label maps of the same pixels (any common order). A
   * predicted class outside 0..classes-1 counts as class 0.
   */
  add(gt: Uint8Array, pred: Uint8Array): void {
    if (gt.length !== pred.length) throw new Error(`label maps differ in size (${gt.length} vs ${pred.length})`);
    const k = this.classes, m = this.counts;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i];
      if (g === IGNORE_LABEL) {
        this.ignored++;
        continue;
      }
      const p = pred[i];
      m[g * k + (p < k ? p : 0)]++;
    }
  }

  /**
   * The same counts over classes 0..m, m the highest class with any pixel in the ground truth or
   * the prediction: for maps whose class set is only known from their pixels (PNG label maps).
   */
  compact(): ConfusionMatrix {
    const k = this.classes, m = this.counts;
    let top = 0;
    for (let g = 0; g < k; g++) for (let p = 0; p < k; p++) if (m[g * k + p] > 0) top = Math.max(top, g, p);
    const out = new ConfusionMatrix(top + 1);
    for (let g = 0; g <= top; g++) for (let p = 0; p <= top; p++) out.counts[g * (top + 1) + p] = m[g * k + p];
    out.ignored = this.ignored;
    return out;
  }

  scores(names: readonly string[]): SemanticScores {
    const k = this.classes, m = this.counts;
    let total = 0, trace = 0;
    const gtSum = new Float64Array(k), predSum = new Float64Array(k);
    for (let g = 0; g < k; g++) {
      for (let p = 0; p < k; p++) {
        const v = m[g * k + p];
        gtSum[g] += v;
        predSum[p] += v;
        total += v;
        if (g === p) trace += v;
      }
    }
    const classes: SemanticClassScore[] = [];
    let iouSum = 0, diceSum = 0, present = 0, fw = 0;
    for (let c = 0; c < k; c++) {
      const tp = m[c * k + c];
      const union = gtSum[c] + predSum[c] - tp;
      const iou = union > 0 ? tp / union : null;
      const dice = union > 0 ? (2 * tp) / (gtSum[c] + predSum[c]) : null;
      if (iou !== null && dice !== null) {
        iouSum += iou;
        diceSum += dice;
        present++;
        if (total > 0) fw += (gtSum[c] / total) * iou;
      }
      classes.push({ classId: c, name: names[c] ?? `class ${c}`, iou, dice, gtPixels: gtSum[c], predPixels: predSum[c], truePositives: tp });
    }
    return {
      classes,
      meanIou: present ? iouSum / present : 0,
      meanDice: present ? diceSum / present : 0,
      pixelAccuracy: total ? trace / total : 0,
      frequencyWeightedIou: fw,
      pixels: total,
      ignoredPixels: this.ignored,
    };
  }
}
