import { rleToBbox } from '../rle.js';
import type { Rle } from '../types.js';

/**
 * One instance mask decoded into a row-major bitmap of its bounding box, with a one-pixel zero
 * border all round (so neighbour reads never leave the array). The buffer is kept and grown, not
 * reallocated per mask: callers load mask after mask into the same crop.
 */
export class MaskCrop {
  /** Frame coordinates of the mask's tight bounding box (all 0 for an empty mask). */
  left = 0;
  top = 0;
  width = 0;
  height = 0;
  /** Stride of {@link bits}: width + 2. Pixel (x, y) of the box is at (y + 1) * stride + x + 1. */
  stride = 2;
  bits = new Uint8Array(0);

  /** Decodes `rle` (COCO, column-major); returns false when the mask is empty. */
  load(rle: Rle): boolean {
    const [x, y, w, h] = rleToBbox(rle);
    this.left = x;
    this.top = y;
    this.width = w;
    this.height = h;
    this.stride = w + 2;
    const n = this.stride * (h + 2);
    if (this.bits.length < n) this.bits = new Uint8Array(Math.max(n, this.bits.length * 2));
    this.bits.fill(0, 0, n);
    if (w === 0 || h === 0) return false;
    const fh = rle.size[0];
    const counts = rle.counts;
    const s = this.stride;
    let pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const run = counts[i];
      if ((i & 1) === 1 && run > 0) {
        // A run of ones in column-major order: down one column, maybe on into the next ones.
        let col = Math.floor(pos / fh);
        let row = pos - col * fh;
        let left = run;
        while (left > 0) {
          const k = Math.min(left, fh - row);
          let idx = (row - y + 1) * s + (col - x + 1);
          for (let j = 0; j < k; j++, idx += s) this.bits[idx] = 1;
          left -= k;
          col++;
          row = 0;
        }
      }
      pos += run;
    }
    return true;
  }

  /** The pixel at box coordinates (x, y); 0 outside the box. */
  at(x: number, y: number): number {
    if (x < -1 || y < -1 || x > this.width || y > this.height) return 0;
    return this.bits[(y + 1) * this.stride + x + 1];
  }
}
