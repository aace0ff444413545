/**
 * The semantic decoder as it was before the single-pass rewrite (commit f9355a7), kept verbatim
 * (renamed) so bench/pipeline.ts section 4 prints before/after in one run. Not used by segstream.
 */
/**
 * Per-class scores at model resolution → a frame-size semantic map (one COCO RLE per present
 * class). Scores are upsampled bilinearly (pixel centres, align_corners=False, edge-clamped) and
 * the argmax (or, for one channel, the threshold) is taken of the upsampled scores — but only where
 * it can differ from the model-resolution answer: where the four source samples around a frame
 * pixel share one winning class, that class also wins their every convex combination, so the pixel
 * takes it without interpolating. Only pixels on class boundaries pay for the C-way interpolation.
 *
 * The label map is written column-major (COCO RLE order) so the per-class RLE is one sequential
 * pass over runs. All buffers are scratch reused across frames: no per-pixel allocation.
 */
import type { SemanticRegion } from '../src/core/types.js';

/** Scores of one image: `classes` planes of `height` x `width`, row-major (batch 0 of NCHW). */
export interface ScoreMap {
  data: Float32Array;
  classes: number;
  height: number;
  width: number;
}

export interface SemanticDecodeOptions {
  /**
   * One-channel maps: a pixel is foreground (class 1) when its upsampled score is at or above
   * this. 0.5 for probabilities (sigmoid in the graph), 0 for logits.
   * @defaultValue 0.5
   */
  threshold?: number;
}

/** Holds the scratch buffers; keep one per thread. */
export class SemanticDecoderBefore {
  private lowLabels = new Uint8Array(0);
  private lowBest = new Float32Array(0);
  private colLabels = new Uint8Array(0);
  private x0 = new Int32Array(0);
  private x1 = new Int32Array(0);
  private fx = new Float32Array(0);
  private y0 = new Int32Array(0);
  private y1 = new Int32Array(0);
  private fy = new Float32Array(0);
  private rowStart = new Int32Array(0);
  /** Per source row j of the current source column: candidate classes of its cell (see candidates()). */
  private cands = new Uint8Array(0);
  private candCount = new Int32Array(0);

  /**
   * The semantic map of a `frameW` x `frameH` frame whose whole area the scores cover.
   * `labels[k]` names class k (a one-channel map has classes 0 = background, 1 = foreground).
   */
  decode(
    scores: ScoreMap,
    frameW: number,
    frameH: number,
    labels: readonly string[],
    opts: SemanticDecodeOptions = {},
  ): SemanticRegion[] {
    const { classes: C, width: w, height: h, data } = scores;
    if (C < 1 || C > 255) throw new Error(`a semantic map needs 1..255 classes, got ${C}`);
    if (data.length < C * w * h) throw new Error(`score tensor holds ${data.length} values, expected ${C}x${h}x${w}`);
    const n = w * h;
    if (this.lowLabels.length < n) {
      this.lowLabels = new Uint8Array(n);
      this.lowBest = new Float32Array(n);
    }
    const lab = this.lowLabels;
    const threshold = opts.threshold ?? 0.5;
    if (C === 1) {
      for (let i = 0; i < n; i++) lab[i] = data[i] >= threshold ? 1 : 0;
    } else {
      // Channel-outer: sequential reads of each plane.
      const best = this.lowBest;
      best.set(data.subarray(0, n));
      lab.fill(0, 0, n);
      for (let c = 1; c < C; c++) {
        const base = c * n;
        for (let i = 0; i < n; i++) {
          const v = data[base + i];
          if (v > best[i]) {
            best[i] = v;
            lab[i] = c;
          }
        }
      }
    }
    this.axis(frameW, w, 'x');
    this.axis(frameH, h, 'y');
    const N = frameW * frameH;
    if (this.colLabels.length < N) this.colLabels = new Uint8Array(N);
    const out = this.colLabels;
    const { x0, x1, fx, y0, y1, fy } = this;
    // Frame rows sharing source row pair (j, j+1) form one span [rowStart[j], rowStart[j + 1]):
    // y0 never decreases down the frame. A span whose four corner labels agree is filled at once.
    if (this.rowStart.length < h + 1) this.rowStart = new Int32Array(h + 1);
    const rowStart = this.rowStart;
    for (let j = 0, Y = 0; j <= h; j++) {
      while (Y < frameH && y0[Y] < j) Y++;
      rowStart[j] = Y;
    }
    if (this.cands.length < h * C) this.cands = new Uint8Array(h * C);
    if (this.candCount.length < h) this.candCount = new Int32Array(h);
    const cands = this.cands, candCount = this.candCount;
    let lastA = -1;
    for (let X = 0; X < frameW; X++) {
      const a = x0[X], b = x1[X], tx = fx[X];
      const col = X * frameH;
      // Frame columns sharing source column pair (a, b) share each cell's candidate classes.
      if (a !== lastA) {
        candCount.fill(-1, 0, h);
        lastA = a;
      }
      for (let j = 0; j < h; j++) {
        const s = rowStart[j], e = rowStart[j + 1];
        if (s === e) continue;
        const r0 = j * w, r1 = y1[s] * w;
        const l = lab[r0 + a];
        if (lab[r0 + b] === l && lab[r1 + a] === l && lab[r1 + b] === l) {
          for (let Y = s; Y < e; Y++) out[col + Y] = l;
          continue;
        }
        if (C === 1) {
          for (let Y = s; Y < e; Y++) {
            const ty = fy[Y];
            const v = (1 - ty) * ((1 - tx) * data[r0 + a] + tx * data[r0 + b]) + ty * ((1 - tx) * data[r1 + a] + tx * data[r1 + b]);
            out[col + Y] = v >= threshold ? 1 : 0;
          }
          continue;
        }
        if (candCount[j] < 0) this.candidates(data, C, n, lab, j * C, r0 + a, r0 + b, r1 + a, r1 + b, j);
        const k0 = j * C, kn = k0 + candCount[j];
        for (let Y = s; Y < e; Y++) {
          const ty = fy[Y];
          const w00 = (1 - tx) * (1 - ty), w01 = tx * (1 - ty), w10 = (1 - tx) * ty, w11 = tx * ty;
          let bestV = -Infinity, bestC = 0;
          for (let k = k0; k < kn; k++) {
            const c = cands[k], base = c * n;
            const v = w00 * data[base + r0 + a] + w01 * data[base + r0 + b] + w10 * data[base + r1 + a] + w11 * data[base + r1 + b];
            if (v > bestV) { // candidates ascend: ties keep the lower class, as a full argmax does
              bestV = v;
              bestC = c;
            }
          }
          out[col + Y] = bestC;
        }
      }
    }
    return encodeLabelRuns(out, N, frameW, frameH, C === 1 ? 2 : C, labels);
  }

  /**
   * The classes that can win somewhere inside the cell with corner samples p00..p11: all but
   * those some corner's winner beats at all four corners (a convex combination keeps that order),
   * ascending. Written to cands[at..], their number to candCount[j].
   */
  private candidates(data: Float32Array, C: number, n: number, lab: Uint8Array, at: number, p00: number, p01: number, p10: number, p11: number, j: number): void {
    const wa = lab[p00], wb = lab[p01], wc = lab[p10], wd = lab[p11];
    let m = 0;
    for (let k = 0; k < C; k++) {
      const bk = k * n;
      const k00 = data[bk + p00], k01 = data[bk + p01], k10 = data[bk + p10], k11 = data[bk + p11];
      const dominated =
        (wa !== k && beatsAtCorners(data, wa * n, p00, p01, p10, p11, k00, k01, k10, k11)) ||
        (wb !== k && beatsAtCorners(data, wb * n, p00, p01, p10, p11, k00, k01, k10, k11)) ||
        (wc !== k && beatsAtCorners(data, wc * n, p00, p01, p10, p11, k00, k01, k10, k11)) ||
        (wd !== k && beatsAtCorners(data, wd * n, p00, p01, p10, p11, k00, k01, k10, k11));
      if (!dominated) this.cands[at + m++] = k;
    }
    this.candCount[j] = m;
  }

  /** Source sample pair and weight for each destination pixel along one axis. */
  private axis(dst: number, src: number, which: 'x' | 'y'): void {
    let lo = which === 'x' ? this.x0 : this.y0;
    let hi = which === 'x' ? this.x1 : this.y1;
    let f = which === 'x' ? this.fx : this.fy;
    if (lo.length < dst) {
      lo = new Int32Array(dst);
      hi = new Int32Array(dst);
      f = new Float32Array(dst);
      if (which === 'x') [this.x0, this.x1, this.fx] = [lo, hi, f];
      else [this.y0, this.y1, this.fy] = [lo, hi, f];
    }
    const scale = src / dst;
    for (let d = 0; d < dst; d++) {
      const s = Math.min(src - 1, Math.max(0, (d + 0.5) * scale - 0.5));
      const i = Math.floor(s);
      lo[d] = i;
      hi[d] = Math.min(src - 1, i + 1);
      f[d] = s - i;
    }
  }
}

/** True when the class whose plane starts at `base` scores above (k00..k11) at all four corners. */
function beatsAtCorners(
  data: Float32Array, base: number, p00: number, p01: number, p10: number, p11: number,
  k00: number, k01: number, k10: number, k11: number,
): boolean {
  return data[base + p00] > k00 && data[base + p01] > k01 && data[base + p10] > k10 && data[base + p11] > k11;
}

/**
 * Per-class COCO RLE of a column-major label map (`n` = width * height labels in 0..classes-1):
 * the classes present, ascending by classId.
 */
function encodeLabelRuns(
  colLabels: Uint8Array,
  n: number,
  width: number,
  height: number,
  classes: number,
  labels: readonly string[],
): SemanticRegion[] {
  const counts: number[][] = Array.from({ length: classes }, () => []);
  const lastEnd = new Float64Array(classes);
  const pixels = new Float64Array(classes);
  let start = 0;
  let cur = colLabels[0];
  for (let p = 1; p <= n; p++) {
    const l = p < n ? colLabels[p] : -1;
    if (l === cur) continue;
    const k = cur;
    counts[k].push(start - lastEnd[k], p - start);
    pixels[k] += p - start;
    lastEnd[k] = p;
    start = p;
    cur = l as number;
  }
  const out: SemanticRegion[] = [];
  for (let k = 0; k < classes; k++) {
    if (pixels[k] === 0) continue;
    const c = counts[k];
    if (lastEnd[k] < n) c.push(n - lastEnd[k]);
    out.push({ classId: k, label: labels[k] ?? `class ${k}`, pixels: pixels[k], mask: { size: [height, width], counts: c } });
  }
  return out;
}
