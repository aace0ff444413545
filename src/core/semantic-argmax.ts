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
 * Scores at the frame's size (stride 1) are one argmax pass written straight into the frame map.
 * Otherwise the model-resolution labels are kept column-major, and each frame column walks the
 * label runs of its two source columns (a word of four rows at a time), filling whole uniform
 * stretches at once; frame columns that share their source column pair copy the previous column
 * (one memcpy) and redo only the undecided cells. The label map is column-major (COCO RLE order),
 * so the per-class RLE is one pass over runs ({@link encodeLabelRuns}). Scores must be finite.
 * All buffers are scratch reused across frames: no per-pixel allocation. The argmax passes run in
 * WebAssembly SIMD where the runtime has it (src/core/wasm-argmax.ts), else in the scalar loop
 * below; both give the same labels.
 */
import type { SemanticRegion } from './types.js';
import { encodeLabelRuns, encodeRunEnds } from './label-runs.js';
import { ArgmaxKernel } from './wasm-argmax.js';

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

export interface SemanticDecoderOptions {
  /**
   * 'wasm': the WebAssembly SIMD argmax (scalar where the runtime lacks SIMD); 'scalar': the
   * TypeScript loop only (benchmarks and the cross-check test).
   * @defaultValue 'wasm'
   */
  argmax?: 'wasm' | 'scalar';
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
  /** Low-res labels, column-major with columns `hs` = h rounded up to 4 apart, so each starts a word. */
  private lowLabels = new Uint8Array(0);
  private lowWords = new Uint32Array(0);
  private hs = 0;
  private colLabels = new Uint8Array(0);
  private frameH = 0;
  private readonly xs = new AxisSamples();
  private readonly ys = new AxisSamples();
  /** Frame rows [rowStart[j], rowStart[j+1]) have y0 = j; spanHi[j]: the second source row any of them uses. */
  private rowStart = new Int32Array(0);
  private spanHi = new Int32Array(0);
  /** For the current source column pair: the undecided cells. */
  private undecided = new Int32Array(0);
  /** Candidate classes of each undecided cell of the current column pair (see candidates()). */
  private cands = new Uint8Array(0);
  private candCount = new Int32Array(0);
  /** Per candidate: its row mixes (1-tx)*p0a + tx*p0b and (1-tx)*p1a + tx*p1b for the current frame column. */
  private top = new Float64Array(256);
  private bottom = new Float64Array(256);
  private readonly kernel: ArgmaxKernel | null;

  constructor(opts: SemanticDecoderOptions = {}) {
    this.kernel = opts.argmax === 'scalar' ? null : ArgmaxKernel.create();
  }

  /** Which argmax this decoder runs. */
  get argmax(): 'wasm' | 'scalar' {
    return this.kernel ? 'wasm' : 'scalar';
  }

  /**
   * Room for `length` scores where the argmax reads them without a copy (the kernel's memory):
   * hand it to the model as its output buffer, then {@link decode} a ScoreMap over it. Valid
   * until the next call asks for more.
   */
  scoreView(length: number): Float32Array {
    return this.kernel ? this.kernel.scoreView(length) : new Float32Array(length);
  }

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
    const { classes: C, width: w, height: h } = scores;
    let data = scores.data;
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
      } else this.argmaxColumns(data, C, w, h, out, h);
      return this.encode(out, N, frameW, frameH, nLabels, labels);
    }
    data = this.lowResLabels(data, C, w, h, threshold);
    this.xs.compute(frameW, w);
    this.ys.compute(frameH, h);
    this.rowSpans(frameH, h);
    if (this.undecided.length < h) {
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
      nUndecided = this.fillUniformCells(data, C, w, h, a, b, col);
      for (let k = 0; k < nUndecided; k++) this.interpolateSpan(data, C, w, h, X, this.undecided[k], threshold);
    }
    return this.encode(out, N, frameW, frameH, nLabels, labels);
  }

  /**
   * Argmax (ties: lower class) or margin-checked threshold of every model-resolution sample,
   * column-major. Returns the scores to read from here on (see argmaxColumns).
   */
  private lowResLabels(data: Float32Array, C: number, w: number, h: number, threshold: number): Float32Array {
    const hs = (h + 3) & ~3;
    this.hs = hs;
    if (this.lowLabels.length < w * hs) {
      this.lowLabels = new Uint8Array(w * hs);
      this.lowWords = new Uint32Array(this.lowLabels.buffer);
    }
    const lab = this.lowLabels;
    if (C === 1) {
      for (let y = 0, i = 0; y < h; y++) {
        for (let x = 0; x < w; x++, i++) {
          const v = data[i], d = v - threshold;
          const margin = THRESHOLD_MARGIN * Math.max(Math.abs(v), Math.abs(threshold));
          lab[x * hs + y] = d >= margin ? 1 : -d > margin ? 0 : UNDECIDED;
        }
      }
      return data;
    }
    return this.argmaxColumns(data, C, w, h, lab, hs);
  }

  /** One RLE per present class of the column-major frame map: the kernel finds the runs where there is one. */
  private encode(out: Uint8Array, n: number, w: number, h: number, classes: number, labels: readonly string[]): SemanticRegion[] {
    if (this.kernel) return encodeRunEnds(out, this.kernel.runEnds(out, n), n, w, h, classes, labels);
    return encodeLabelRuns(out, n, w, h, classes, labels);
  }

  /** Labels of every sample, (x, y) at dst[x * colStride + y]; returns the scores' live view. */
  private argmaxColumns(data: Float32Array, C: number, w: number, h: number, dst: Uint8Array, colStride: number): Float32Array {
    if (this.kernel) return this.kernel.argmaxColumns(data, C, w, h, dst, colStride);
    argmaxInto(data, C, w, h, dst, colStride, 1);
    return data;
  }

  /**
   * The first row at or after `from` where source column ca or cb (label offsets) stops holding
   * `l`, h if none: four rows a step through the word view where both columns are word-aligned.
   */
  private runEnd(ca: number, cb: number, from: number, l: number, h: number): number {
    const lab = this.lowLabels, words = this.lowWords;
    let e = from;
    while (e < h && (e & 3) !== 0) {
      if (lab[ca + e] !== l || lab[cb + e] !== l) return e;
      e++;
    }
    const rep = (l * 0x01010101) >>> 0;
    while (e + 4 <= h && words[(ca + e) >>> 2] === rep && words[(cb + e) >>> 2] === rep) e += 4;
    while (e < h && lab[ca + e] === l && lab[cb + e] === l) e++;
    return e;
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
   * Writes the label of each uniform cell of source columns (a, b) (the rows of span j with
   * spanHi[j]) over its rows of the frame column starting at `col`; lists the others and their
   * candidate classes. Returns their number. Walks the columns' label runs: where both hold l over
   * rows j..e-1, cells j..e-2 are uniform at once (and e-1 too when its span uses row e-1 only).
   */
  private fillUniformCells(data: Float32Array, C: number, w: number, h: number, a: number, b: number, col: number): number {
    const lab = this.lowLabels, out = this.colLabels, rowStart = this.rowStart, spanHi = this.spanHi;
    const ca = a * this.hs, cb = b * this.hs;
    let m = 0;
    for (let j = 0; j < h; ) {
      const l = lab[ca + j];
      if (l !== UNDECIDED && lab[cb + j] === l) {
        const e = this.runEnd(ca, cb, j + 1, l, h);
        const last = spanHi[e - 1] === e - 1 ? e : e - 1; // cells j..last-1 are uniform
        if (last > j) {
          const s = col + rowStart[j], t = col + rowStart[last];
          if (t - s > 32) out.fill(l, s, t);
          else for (let Y = s; Y < t; Y++) out[Y] = l;
          j = last;
          continue;
        }
      }
      // Cell j is not uniform (its span may be empty: a downscaled axis skips source rows).
      if (rowStart[j] !== rowStart[j + 1]) {
        const j1 = spanHi[j];
        this.undecided[m++] = j;
        if (C > 1) this.candidates(data, C, w * h, j, ca + j, cb + j, ca + j1, cb + j1, j * w + a, j * w + b, j1 * w + a, j1 * w + b);
      }
      j++;
    }
    return m;
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
   * sample indices; q00..q11 the same in the column-major labels): the corner winners and every
   * class no corner winner beats at all four corners, ascending. (A winner another one dominates
   * stays in: it cannot win either, so it changes no argmax.) Written to cands[j*C..], their number to
   * candCount[j].
   */
  private candidates(
    data: Float32Array, C: number, n: number, j: number,
    q00: number, q01: number, q10: number, q11: number,
    p00: number, p01: number, p10: number, p11: number,
  ): void {
    const lab = this.lowLabels;
    const wa = lab[q00], wb = lab[q01], wc = lab[q10], wd = lab[q11];
    // Each distinct corner winner's scores at the four corners (repeated winners tested once).
    const oa = wa * n, ob = wb * n, oc = wc * n, od = wd * n;
    const a00 = data[oa + p00], a01 = data[oa + p01], a10 = data[oa + p10], a11 = data[oa + p11];
    const useB = wb !== wa, useC = wc !== wa && wc !== wb, useD = wd !== wa && wd !== wb && wd !== wc;
    const b00 = data[ob + p00], b01 = data[ob + p01], b10 = data[ob + p10], b11 = data[ob + p11];
    const c00 = data[oc + p00], c01 = data[oc + p01], c10 = data[oc + p10], c11 = data[oc + p11];
    const d00 = data[od + p00], d01 = data[od + p01], d10 = data[od + p10], d11 = data[od + p11];
    const cands = this.cands, at = j * C;
    let m = 0;
    for (let k = 0, o = 0; k < C; k++, o += n) {
      if (k === wa || k === wb || k === wc || k === wd) {
        cands[at + m++] = k; // a winner somewhere in the cell; also beaten by another? harmless to keep
        continue;
      }
      const k00 = data[o + p00], k01 = data[o + p01], k10 = data[o + p10], k11 = data[o + p11];
      const dominated =
        (a00 > k00 && a01 > k01 && a10 > k10 && a11 > k11) ||
        (useB && b00 > k00 && b01 > k01 && b10 > k10 && b11 > k11) ||
        (useC && c00 > k00 && c01 > k01 && c10 > k10 && c11 > k11) ||
        (useD && d00 > k00 && d01 > k01 && d10 > k10 && d11 > k11);
      if (!dominated) cands[at + m++] = k;
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
