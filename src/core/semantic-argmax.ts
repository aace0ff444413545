/**
 * Per-class scores at model resolution → a frame-size semantic map (one COCO RLE per present
 * class). Scores are upsampled bilinearly (pixel centres, align_corners=False, edge-clamped) and
 * the argmax (or, for one channel, the threshold) is taken of the upsampled scores, computed as
 * `(1-ty)*((1-tx)*p00 + tx*p01) + ty*((1-tx)*p10 + tx*p11)` in doubles — but only where it can
 * differ from the model-resolution answer:
 *
 * - A sample whose weight is exactly 0 (tx or ty = 0: an identity axis, clamped edges) adds exactly
 *   0, so the cell is the smaller one without it; at stride 1 every pixel is its own sample.
 * - Where the (one, two or four) samples around a frame pixel share one winning class, that class
 *   also wins their every convex combination, in floating point too: rounding is monotone, so a
 *   tie (won by the lower class) stays a tie, and two distinct float32 scores differ by at least
 *   2^-24 of their size, far above the doubles' rounding error, so a strict win stays strict.
 *   One channel: a sample counts as decided only when it clears the threshold by 2^-40 of its
 *   size, which the same bound covers; samples closer to it force interpolation.
 * - Elsewhere only classes that no corner winner beats at all four corners are interpolated
 *   (a dominated class cannot win for the same reason), each as its two row mixes once per
 *   frame column and cell, then one mix per frame row.
 *
 * Frame columns that share their source column pair copy the previous column (one memcpy) and
 * redo only the undecided cells. The label map is column-major (COCO RLE order), so the per-class
 * RLE is one pass over runs ({@link encodeLabelRuns}). Scores must be finite. All buffers are
 * scratch reused across frames: no per-pixel allocation.
 */
import type { SemanticRegion } from './types.js';
import { encodeLabelRuns } from './label-runs.js';

export { encodeLabelRuns } from './label-runs.js';

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

/** Model-resolution label of a sample that does not decide its cells (and of a cell that is not uniform). */
const UNDECIDED = 255;
/** One channel: margin, relative to max(|score|, |threshold|), a sample needs to decide its cells. */
const THRESHOLD_MARGIN = 2 ** -40;

/** Source sample pair and weights of each destination pixel along one axis. */
class AxisSamples {
  lo = new Int32Array(0);
  /** The second sample; equal to `lo` where its weight `f` is exactly 0. */
  hi = new Int32Array(0);
  f = new Float64Array(0);
  /** 1 - f, as the reference computes it. */
  g = new Float64Array(0);

  compute(dst: number, src: number): void {
    if (this.lo.length < dst) {
      this.lo = new Int32Array(dst);
      this.hi = new Int32Array(dst);
      this.f = new Float64Array(dst);
      this.g = new Float64Array(dst);
    }
    const scale = src / dst;
    for (let d = 0; d < dst; d++) {
      const s = Math.min(src - 1, Math.max(0, (d + 0.5) * scale - 0.5));
      const i = Math.floor(s);
      const t = s - i;
      this.lo[d] = i;
      this.hi[d] = t === 0 ? i : Math.min(src - 1, i + 1);
      this.f[d] = t;
      this.g[d] = 1 - t;
    }
  }
}

/** Holds the scratch buffers; keep one per thread. */
export class SemanticDecoder {
  private lowLabels = new Uint8Array(0);
  private colLabels = new Uint8Array(0);
  private frameH = 0;
  private readonly xs = new AxisSamples();
  private readonly ys = new AxisSamples();
  /** Frame rows [rowStart[j], rowStart[j+1]) have y0 = j; spanHi[j]: the second source row any of them uses. */
  private rowStart = new Int32Array(0);
  private spanHi = new Int32Array(0);
  /** For the current source column pair: each cell's uniform label or UNDECIDED; the undecided cells. */
  private cellLabel = new Uint8Array(0);
  private undecided = new Int32Array(0);
  /** Candidate classes of each undecided cell of the current column pair (see candidates()). */
  private cands = new Uint8Array(0);
  private candCount = new Int32Array(0);
  private readonly winners = new Uint8Array(4);
  private readonly winnerScores = new Float64Array(16);
  /** Per candidate: its row mixes (1-tx)*p0a + tx*p0b and (1-tx)*p1a + tx*p1b for the current frame column. */
  private top = new Float64Array(256);
  private bottom = new Float64Array(256);

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
    const threshold = opts.threshold ?? 0.5;
    const N = frameW * frameH;
    // Rounded up to whole words for encodeLabelRuns' Uint32 view.
    if (this.colLabels.length < N) this.colLabels = new Uint8Array((N + 3) & ~3);
    const out = this.colLabels;
    const nLabels = C === 1 ? 2 : C;
    if (w === frameW && h === frameH) {
      // Stride 1: every frame pixel is exactly its own sample ((d + 0.5) * 1 - 0.5 = d, weight 0 elsewhere).
      if (C === 1) {
        for (let Y = 0; Y < h; Y++) for (let X = 0, i = Y * w; X < w; X++, i++) out[X * h + Y] = data[i] >= threshold ? 1 : 0;
      } else argmaxInto(data, C, w, h, out, h, 1);
      return encodeLabelRuns(out, N, frameW, frameH, nLabels, labels);
    }
    this.lowResLabels(data, C, w, h, threshold);
    this.xs.compute(frameW, w);
    this.ys.compute(frameH, h);
    this.rowSpans(frameH, h);
    if (this.cellLabel.length < h) {
      this.cellLabel = new Uint8Array(h);
      this.undecided = new Int32Array(h);
      this.candCount = new Int32Array(h);
    }
    if (this.cands.length < h * C) this.cands = new Uint8Array(h * C);
    this.frameH = frameH;
    const { lo: x0, hi: x1 } = this.xs;
    let lastA = -1, lastB = -1, nUndecided = 0;
    for (let X = 0; X < frameW; X++) {
      const a = x0[X], b = x1[X], col = X * frameH;
      if (a === lastA && b === lastB) {
        // Same cells as the previous column: its decided spans hold; redo only the undecided ones.
        out.copyWithin(col, col - frameH, col);
        for (let k = 0; k < nUndecided; k++) this.interpolateSpan(data, C, w, h, X, this.undecided[k], threshold);
        continue;
      }
      lastA = a;
      lastB = b;
      nUndecided = this.classifyCells(data, C, w, h, a, b);
      this.fillColumn(col, h);
      for (let k = 0; k < nUndecided; k++) this.interpolateSpan(data, C, w, h, X, this.undecided[k], threshold);
    }
    return encodeLabelRuns(out, N, frameW, frameH, nLabels, labels);
  }

  /** Argmax (ties: lower class) or margin-checked threshold of every model-resolution sample, column-major. */
  private lowResLabels(data: Float32Array, C: number, w: number, h: number, threshold: number): void {
    const n = w * h;
    if (this.lowLabels.length < n) this.lowLabels = new Uint8Array(n);
    const lab = this.lowLabels;
    if (C === 1) {
      for (let y = 0, i = 0; y < h; y++) {
        for (let x = 0; x < w; x++, i++) {
          const v = data[i], d = v - threshold;
          const margin = THRESHOLD_MARGIN * Math.max(Math.abs(v), Math.abs(threshold));
          lab[x * h + y] = d >= margin ? 1 : -d > margin ? 0 : UNDECIDED;
        }
      }
      return;
    }
    argmaxInto(data, C, w, h, lab, h, 1);
  }

  /** rowStart / spanHi for the frame rows: y0 never decreases down the frame. */
  private rowSpans(frameH: number, h: number): void {
    if (this.rowStart.length < h + 1) {
      this.rowStart = new Int32Array(h + 1);
      this.spanHi = new Int32Array(h);
    }
    const { lo: y0, hi: y1 } = this.ys;
    for (let j = 0, Y = 0; j <= h; j++) {
      this.rowStart[j] = Y;
      let hi = j;
      while (Y < frameH && y0[Y] === j) {
        if (y1[Y] > hi) hi = y1[Y];
        Y++;
      }
      if (j < h) this.spanHi[j] = hi;
    }
  }

  /**
   * Labels each cell of source columns (a, b) (the rows of span j with spanHi[j]) uniform or
   * undecided, lists the undecided ones and their candidate classes; returns their number.
   */
  private classifyCells(data: Float32Array, C: number, w: number, h: number, a: number, b: number): number {
    const lab = this.lowLabels, cell = this.cellLabel, rowStart = this.rowStart, spanHi = this.spanHi;
    const ca = a * h, cb = b * h; // low-res labels are column-major: these reads are sequential
    let m = 0;
    for (let j = 0; j < h; j++) {
      if (rowStart[j] === rowStart[j + 1]) {
        cell[j] = 0;
        continue;
      }
      const j1 = spanHi[j];
      const l = lab[ca + j];
      if (l !== UNDECIDED && lab[cb + j] === l && lab[ca + j1] === l && lab[cb + j1] === l) {
        cell[j] = l;
        continue;
      }
      cell[j] = UNDECIDED;
      this.undecided[m++] = j;
      if (C > 1) this.candidates(data, C, w * h, j, ca + j, cb + j, ca + j1, cb + j1, j * w + a, j * w + b, j1 * w + a, j1 * w + b);
    }
    return m;
  }

  /** Writes every uniform cell's label over its rows of the column starting at `col`. */
  private fillColumn(col: number, h: number): void {
    const out = this.colLabels, cell = this.cellLabel, rowStart = this.rowStart;
    for (let j = 0; j < h; j++) {
      const l = cell[j];
      if (l === UNDECIDED) continue;
      for (let Y = col + rowStart[j], e = col + rowStart[j + 1]; Y < e; Y++) out[Y] = l;
    }
  }

  /** The exact labels of the rows of span j in frame column X. */
  private interpolateSpan(data: Float32Array, C: number, w: number, h: number, X: number, j: number, threshold: number): void {
    const out = this.colLabels;
    const a = this.xs.lo[X], b = this.xs.hi[X], tx = this.xs.f[X], ux = this.xs.g[X];
    const { f: fy, g: gy } = this.ys;
    const s = this.rowStart[j], e = this.rowStart[j + 1];
    const base = X * this.frameH;
    const r0 = j * w, r1 = this.spanHi[j] * w;
    if (C === 1) {
      const top = ux * data[r0 + a] + tx * data[r0 + b];
      const bot = ux * data[r1 + a] + tx * data[r1 + b];
      for (let Y = s; Y < e; Y++) out[base + Y] = gy[Y] * top + fy[Y] * bot >= threshold ? 1 : 0;
      return;
    }
    const n = w * h, k0 = j * C, kn = k0 + this.candCount[j];
    const top = this.top, bottom = this.bottom;
    for (let k = k0; k < kn; k++) {
      const off = this.cands[k] * n;
      top[k - k0] = ux * data[off + r0 + a] + tx * data[off + r0 + b];
      bottom[k - k0] = ux * data[off + r1 + a] + tx * data[off + r1 + b];
    }
    const m = kn - k0;
    for (let Y = s; Y < e; Y++) {
      const ty = fy[Y], uy = gy[Y];
      let bestV = -Infinity, bestK = 0;
      for (let k = 0; k < m; k++) {
        const v = uy * top[k] + ty * bottom[k];
        if (v > bestV) { // candidates ascend: ties keep the lower class, as a full argmax does
          bestV = v;
          bestK = k;
        }
      }
      out[base + Y] = this.cands[k0 + bestK];
    }
  }

  /**
   * The classes that can win somewhere inside the cell with corner samples p00..p11 (row-major
   * sample indices; q00..q11 the same in the column-major labels): all but those some corner's
   * winner beats at all four corners, ascending. Written to cands[j*C..], their number to
   * candCount[j].
   */
  private candidates(
    data: Float32Array, C: number, n: number, j: number,
    q00: number, q01: number, q10: number, q11: number,
    p00: number, p01: number, p10: number, p11: number,
  ): void {
    const lab = this.lowLabels;
    // The distinct corner winners (two in most boundary cells) and their corner scores.
    const win = this.winners, wv = this.winnerScores;
    let nw = 0;
    for (let c = 0; c < 4; c++) {
      const l = lab[c === 0 ? q00 : c === 1 ? q01 : c === 2 ? q10 : q11];
      let seen = false;
      for (let i = 0; i < nw; i++) if (win[i] === l) seen = true;
      if (seen) continue;
      const o = l * n;
      wv[4 * nw] = data[o + p00];
      wv[4 * nw + 1] = data[o + p01];
      wv[4 * nw + 2] = data[o + p10];
      wv[4 * nw + 3] = data[o + p11];
      win[nw++] = l;
    }
    const at = j * C;
    let m = 0;
    for (let k = 0; k < C; k++) {
      const o = k * n;
      let dominated = false;
      for (let i = 0; i < nw && !dominated; i++) {
        const v = 4 * i;
        dominated = win[i] !== k && wv[v] > data[o + p00] && wv[v + 1] > data[o + p01] && wv[v + 2] > data[o + p10] && wv[v + 3] > data[o + p11];
      }
      if (!dominated) this.cands[at + m++] = k;
    }
    this.candCount[j] = m;
  }
}

/**
 * Argmax over the C planes of a w x h score map (ties: lower class), the label of sample (x, y)
 * written to dst[x * sx + y * sy]. Pixel-outer, four pixels at a time: the running bests stay in
 * registers and each plane is read once, in order (measured ~2x faster than class-outer passes
 * over a best-so-far buffer).
 */
function argmaxInto(data: Float32Array, C: number, w: number, h: number, dst: Uint8Array, sx: number, sy: number): void {
  const n = w * h;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let x = 0;
    for (; x + 4 <= w; x += 4) {
      const i = row + x;
      let b0 = data[i], b1 = data[i + 1], b2 = data[i + 2], b3 = data[i + 3];
      let k0 = 0, k1 = 0, k2 = 0, k3 = 0;
      for (let c = 1, p = i + n; c < C; c++, p += n) {
        let v = data[p];
        if (v > b0) { b0 = v; k0 = c; }
        v = data[p + 1];
        if (v > b1) { b1 = v; k1 = c; }
        v = data[p + 2];
        if (v > b2) { b2 = v; k2 = c; }
        v = data[p + 3];
        if (v > b3) { b3 = v; k3 = c; }
      }
      const d = x * sx + y * sy;
      dst[d] = k0;
      dst[d + sx] = k1;
      dst[d + 2 * sx] = k2;
      dst[d + 3 * sx] = k3;
    }
    for (; x < w; x++) {
      const i = row + x;
      let b = data[i], k = 0;
      for (let c = 1, p = i + n; c < C; c++, p += n) {
        const v = data[p];
        if (v > b) { b = v; k = c; }
      }
      dst[x * sx + y * sy] = k;
    }
  }
}
