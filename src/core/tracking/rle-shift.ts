/**
 * Integer translation of a COCO RLE mask (column-major runs, first run zeros), clipped to the
 * frame. Walks the runs once, splitting them at column ends; no decode.
 */
import type { Rle } from '../types.js';

/** Collects runs of ones given in increasing column-major order into COCO counts. */
class OnesRunWriter {
  readonly counts: number[] = [];
  private end = 0;

  /** Adds set pixels [start, stop) (start >= the previous stop). */
  add(start: number, stop: number): void {
    if (start === this.end && this.counts.length > 0) {
      this.counts[this.counts.length - 1] += stop - start;
    } else {
      this.counts.push(start - this.end, stop - start);
    }
    this.end = stop;
  }

  finish(area: number): number[] {
    // pycocotools writes no trailing empty run when the last pixel is set.
    if (area > this.end || this.counts.length === 0) this.counts.push(area - this.end);
    return this.counts;
  }
}

/**
 * `rle` moved by (dx, dy) pixels (rounded to whole pixels; +x right, +y down); what leaves the
 * frame is cut off. Returns `rle` itself for a zero shift.
 */
export function shiftRle(rle: Rle, dx: number, dy: number): Rle {
  const sx = Math.round(dx), sy = Math.round(dy);
  if (sx === 0 && sy === 0) return rle;
  const [h, w] = rle.size;
  const out = new OnesRunWriter();
  const counts = rle.counts;
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if ((i & 1) === 1 && n > 0) {
      let x = Math.floor(pos / h);
      let y = pos - x * h;
      let left = n;
      while (left > 0) {
        const k = Math.min(left, h - y);
        const nx = x + sx;
        if (nx >= 0 && nx < w) {
          const y0 = Math.max(0, y + sy), y1 = Math.min(h, y + k + sy);
          if (y0 < y1) out.add(nx * h + y0, nx * h + y1);
        }
        left -= k;
        x++;
        y = 0;
      }
    }
    pos += n;
  }
  return { size: [h, w], counts: out.finish(h * w) };
}
