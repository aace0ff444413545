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
import type { SemanticRegion } from './types.js';

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
export class SemanticDecoder {
  private lowLabels = new Uint8Array(0);
  private lowBest = new Float32Array(0);
  private colLabels = new Uint8Array(0);
  private x0 = new Int32Array(0);
  private x1 = new Int32Array(0);
  private fx = new Float32Array(0);
  private y0 = new Int32Array(0);
  private y1 = new Int32Array(0);
  private fy = new Float32Array(0);

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
      for (let i = 0; i < n; i++) lab[i] = data[i]! >= threshold ? 1 : 0;
    } else {
      // Channel-outer: sequential reads of each plane.
      const best = this.lowBest;
      best.set(data.subarray(0, n));
      lab.fill(0, 0, n);
      for (let c = 1; c < C; c++) {
        const base = c * n;
        for (let i = 0; i < n; i++) {
          const v = data[base + i]!;
          if (v > best[i]!) {
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
    for (let X = 0; X < frameW; X++) {
      const a = x0[X]!, b = x1[X]!, tx = fx[X]!;
      const col = X * frameH;
      for (let Y = 0; Y < frameH; Y++) {
        const r0 = y0[Y]! * w, r1 = y1[Y]! * w;
        const l = lab[r0 + a]!;
        if (lab[r0 + b] === l && lab[r1 + a] === l && lab[r1 + b] === l) {
          out[col + Y] = l;
          continue;
        }
        const ty = fy[Y]!;
        const w00 = (1 - tx) * (1 - ty), w01 = tx * (1 - ty), w10 = (1 - tx) * ty, w11 = tx * ty;
        if (C === 1) {
          const v = w00 * data[r0 + a]! + w01 * data[r0 + b]! + w10 * data[r1 + a]! + w11 * data[r1 + b]!;
          out[col + Y] = v >= threshold ? 1 : 0;
          continue;
        }
        let bestV = -Infinity, bestC = 0;
        for (let c = 0; c < C; c++) {
          const base = c * n;
          const v = w00 * data[base + r0 + a]! + w01 * data[base + r0 + b]! + w10 * data[base + r1 + a]! + w11 * data[base + r1 + b]!;
          if (v > bestV) {
            bestV = v;
            bestC = c;
          }
        }
        out[col + Y] = bestC;
      }
    }
    return encodeLabelRuns(out, N, frameW, frameH, C === 1 ? 2 : C, labels);
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

/**
 * Per-class COCO RLE of a column-major label map (`n` = width * height labels in 0..classes-1):
 * the classes present, ascending by classId.
 */
export function encodeLabelRuns(
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
  let cur = colLabels[0]!;
  for (let p = 1; p <= n; p++) {
    const l = p < n ? colLabels[p]! : -1;
    if (l === cur) continue;
    const k = cur;
    counts[k]!.push(start - lastEnd[k]!, p - start);
    pixels[k]! += p - start;
    lastEnd[k] = p;
    start = p;
    cur = l as number;
  }
  const out: SemanticRegion[] = [];
  for (let k = 0; k < classes; k++) {
    if (pixels[k] === 0) continue;
    const c = counts[k]!;
    if (lastEnd[k]! < n) c.push(n - lastEnd[k]!);
    out.push({ classId: k, label: labels[k] ?? `class ${k}`, pixels: pixels[k]!, mask: { size: [height, width], counts: c } });
  }
  return out;
}
