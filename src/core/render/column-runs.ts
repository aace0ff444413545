/**
 * A binary mask as sorted, disjoint vertical runs per column: COCO RLE is column-major already, so
 * this is the RLE split at column boundaries. Drawing from runs touches only the frame's own pixels
 * (no frame-sized decode buffer to write, read and clear), and the outline comes from run ends and
 * interval intersections instead of per-pixel neighbour reads.
 */
import type { Rle } from '../types.js';

export class ColumnRuns {
  /** All runs in column order; run k covers rows [runs.start[k], runs.end[k]) of its column. */
  readonly runs = new Intervals();
  /** Column x's runs are k in [first[x], first[x + 1]). */
  first = new Int32Array(2);
  width = 0;
  height = 0;

  /** Run starts and ends (views of {@link runs}, valid until the next load). */
  get start(): Int32Array { return this.runs.start; }
  get end(): Int32Array { return this.runs.end; }

  /** Loads `rle` (h x w), replacing what was held. */
  load(rle: Rle): void {
    const [h, w] = rle.size;
    this.width = w;
    this.height = h;
    if (this.first.length < w + 1) this.first = new Int32Array(w + 1);
    const runs = this.runs;
    runs.clear();
    const counts = rle.counts;
    let col = 0; // columns whose `first` is set: [0, col)
    let pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const len = counts[i];
      if ((i & 1) === 1 && len > 0) {
        let x = Math.floor(pos / h);
        let y = pos - x * h;
        let left = len;
        while (left > 0 && x < w) {
          const k = Math.min(left, h - y);
          while (col <= x) this.first[col++] = runs.length;
          runs.add(y, y + k);
          left -= k;
          x++;
          y = 0;
        }
      }
      pos += len;
    }
    while (col <= w) this.first[col++] = runs.length;
  }
}

/** Sorted disjoint intervals [start[k], end[k]) for k < length, in reusable storage. */
export class Intervals {
  start = new Int32Array(64);
  end = new Int32Array(64);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  add(a: number, b: number): void {
    if (this.length === this.start.length) {
      const s = new Int32Array(this.length * 2), e = new Int32Array(this.length * 2);
      s.set(this.start);
      e.set(this.end);
      this.start = s;
      this.end = e;
    }
    this.start[this.length] = a;
    this.end[this.length] = b;
    this.length++;
  }

  /** Sets this to column x of `runs` (empty outside the frame), clipped to [lo, hi). */
  setColumn(runs: ColumnRuns, x: number, lo: number, hi: number): void {
    this.length = 0;
    if (x < 0 || x >= runs.width) return;
    const { start: rs, end: re } = runs;
    for (let k = runs.first[x]; k < runs.first[x + 1]; k++) {
      const a = Math.max(lo, rs[k]), b = Math.min(hi, re[k]);
      if (a < b) this.add(a, b);
    }
  }

  /** Sets this to `a` ∩ column x of `runs`. `a` must not be this. */
  intersectColumn(a: Intervals, runs: ColumnRuns, x: number): void {
    this.length = 0;
    if (x < 0 || x >= runs.width) return;
    const { start: rs, end: re } = runs;
    let i = 0, k = runs.first[x];
    const kEnd = runs.first[x + 1];
    while (i < a.length && k < kEnd) {
      const s = Math.max(a.start[i], rs[k]), e = Math.min(a.end[i], re[k]);
      if (s < e) this.add(s, e);
      if (a.end[i] < re[k]) i++;
      else k++;
    }
  }
}
