/**
 * A mask as vertical spans per column, built once from its COCO RLE, so that the overlap of one
 * mask moved by (dx, dy) with another costs one merge per shared column: no decode, no shifted
 * copy, no allocation per comparison (the tracker compares every track with nearby detections
 * every frame).
 */
import type { BoxXYXY, Rle } from '../types.js';

export class MaskSpans {
  private constructor(
    readonly width: number,
    readonly height: number,
    /** Columns x0 .. x1 − 1 hold the set pixels; rows y0 .. y1 − 1. */
    readonly x0: number,
    readonly x1: number,
    readonly y0: number,
    readonly y1: number,
    readonly area: number,
    /** Spans of column x are pairs colStart[x − x0] .. colStart[x − x0 + 1] − 1 of `ys`. */
    private readonly colStart: Int32Array,
    /** [yStart, yEnd) pairs, ascending within a column. */
    private readonly ys: Int32Array,
  ) {}

  /** The spans of a mask; null when it has no set pixel. */
  static fromRle(rle: Rle): MaskSpans | null {
    const [h, w] = rle.size;
    const counts = rle.counts;
    // Pass 1: the column range and how many spans each column gets (runs split at column ends).
    let pos = 0, x0 = -1, x1 = 0;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if ((i & 1) === 1 && n > 0) {
        if (x0 < 0) x0 = Math.floor(pos / h);
        x1 = Math.floor((pos + n - 1) / h) + 1;
      }
      pos += n;
    }
    if (x0 < 0) return null;
    const colStart = new Int32Array(x1 - x0 + 1);
    pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if ((i & 1) === 1 && n > 0) {
        const xa = Math.floor(pos / h), xb = Math.floor((pos + n - 1) / h);
        for (let x = xa; x <= xb; x++) colStart[x - x0 + 1]++;
      }
      pos += n;
    }
    for (let k = 1; k < colStart.length; k++) colStart[k] += colStart[k - 1];
    // Pass 2: the spans, in column-major order.
    const ys = new Int32Array(2 * colStart[colStart.length - 1]);
    let area = 0, y0 = h, y1 = 0, s = 0;
    pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if ((i & 1) === 1 && n > 0) {
        let x = Math.floor(pos / h);
        let y = pos - x * h;
        let left = n;
        while (left > 0) {
          const k = Math.min(left, h - y);
          ys[s++] = y;
          ys[s++] = y + k;
          if (y < y0) y0 = y;
          if (y + k > y1) y1 = y + k;
          area += k;
          left -= k;
          x++;
          y = 0;
        }
      }
      pos += n;
    }
    return new MaskSpans(w, h, x0, x1, y0, y1, area, colStart, ys);
  }

  /** Bounds as [x1, y1, x2, y2], exclusive ends (pycocotools `toBbox` as corners). */
  bounds(): BoxXYXY {
    return [this.x0, this.y0, this.x1, this.y1];
  }

  /** Set pixels still inside the frame after moving by (dx, dy) whole pixels. */
  shiftedArea(dx: number, dy: number): number {
    const { width: w, height: h } = this;
    if (this.x0 + dx >= 0 && this.x1 + dx <= w && this.y0 + dy >= 0 && this.y1 + dy <= h) return this.area;
    let a = 0;
    for (let x = Math.max(this.x0, -dx); x < Math.min(this.x1, w - dx); x++) {
      for (let s = this.colStart[x - this.x0]; s < this.colStart[x - this.x0 + 1]; s++) {
        const lo = Math.max(0, this.ys[2 * s] + dy), hi = Math.min(h, this.ys[2 * s + 1] + dy);
        if (hi > lo) a += hi - lo;
      }
    }
    return a;
  }

  /**
   * IoU of this mask moved by (dx, dy) whole pixels (clipped to the frame) with `other`, a mask of
   * the same frame size. 0 when they do not meet.
   */
  shiftedIou(dx: number, dy: number, other: MaskSpans): number {
    const lo = Math.max(this.x0 + dx, other.x0), hi = Math.min(this.x1 + dx, other.x1);
    if (lo >= hi || this.y0 + dy >= other.y1 || other.y0 >= this.y1 + dy) return 0;
    const a = this.ys, b = other.ys;
    let inter = 0;
    for (let x = lo; x < hi; x++) {
      let i = this.colStart[x - dx - this.x0];
      const iEnd = this.colStart[x - dx - this.x0 + 1];
      let j = other.colStart[x - other.x0];
      const jEnd = other.colStart[x - other.x0 + 1];
      // `other` lies inside the frame, so overlapping it clips the moved spans too.
      while (i < iEnd && j < jEnd) {
        const a0 = a[2 * i] + dy, a1 = a[2 * i + 1] + dy, b0 = b[2 * j], b1 = b[2 * j + 1];
        const ov = (a1 < b1 ? a1 : b1) - (a0 > b0 ? a0 : b0);
        if (ov > 0) inter += ov;
        if (a1 < b1) i++;
        else j++;
      }
    }
    if (inter === 0) return 0;
    return inter / (this.shiftedArea(dx, dy) + other.area - inter);
  }
}
