/**
 * Opaque drawing primitives on I420 frames (src/core/yuv420.ts). Luma is painted per pixel;
 * each chroma sample moves towards the colour by the share of its 2x2 block that was painted, which
 * is what the encoder's 4:2:0 subsampling would have made of the same drawing done in RGB.
 */
import { yuv420Layout, type Yuv, type Yuv420Image } from '../yuv420.js';

/**
 * Fills [x0,x1) x [y0,y1) of `frame` with `color`, clipped to the frame.
 */
export function fillRect(frame: Yuv420Image, x0: number, y0: number, x1: number, y1: number, color: Yuv): void {
  const { yuv, width: w, height: h } = frame;
  const ax = Math.max(0, x0), bx = Math.min(w, x1);
  const ay = Math.max(0, y0), by = Math.min(h, y1);
  if (ax >= bx || ay >= by) return;
  const [cy, cu, cv] = color;
  for (let y = ay; y < by; y++) yuv.fill(cy, y * w + ax, y * w + bx);
  const L = yuv420Layout(w, h);
  const iLo = ax >> 1, iHi = (bx - 1) >> 1;
  // Blocks wholly inside the rectangle (or cut by the frame's edge but wholly inside there) take
  // the colour; the first and last column and row may be partly covered.
  const fullLo = ax % 2 === 0 ? iLo : iLo + 1;
  const fullHi = bx % 2 === 0 || bx === w ? iHi : iHi - 1;
  for (let j = ay >> 1; j <= (by - 1) >> 1; j++) {
    // Rows of block j inside the frame, and of those, inside the rectangle.
    const rows = Math.min(h, 2 * j + 2) - 2 * j;
    const covY = Math.min(by, 2 * j + 2) - Math.max(ay, 2 * j);
    const row = j * L.chromaWidth;
    if (covY === rows && fullLo <= fullHi) {
      yuv.fill(cu, L.uOffset + row + fullLo, L.uOffset + row + fullHi + 1);
      yuv.fill(cv, L.vOffset + row + fullLo, L.vOffset + row + fullHi + 1);
    }
    for (let i = iLo; i <= iHi; i++) {
      if (covY === rows && i >= fullLo && i <= fullHi) continue;
      const cols = Math.min(w, 2 * i + 2) - 2 * i;
      const covX = Math.min(bx, 2 * i + 2) - Math.max(ax, 2 * i);
      blendChroma(yuv, L.uOffset + row + i, L.vOffset + row + i, cu, cv, covX * covY, cols * rows);
    }
  }
}

/** Painted pixels per chroma block of the last bitmap, reused. */
let blockCounts = new Int32Array(0);

/**
 * Paints the pixels set in `bitmap` (`bw` x `bh`, row-major, non-zero = paint) with `color`, the
 * bitmap's top-left at (x0, y0) in the frame; clipped to the frame.
 */
export function paintBitmap(
  frame: Yuv420Image, bitmap: Uint8Array, x0: number, y0: number, bw: number, bh: number, color: Yuv,
): void {
  const { yuv, width: w, height: h } = frame;
  const ax = Math.max(0, x0), bx = Math.min(w, x0 + bw);
  const ay = Math.max(0, y0), by = Math.min(h, y0 + bh);
  if (ax >= bx || ay >= by) return;
  const [cy, cu, cv] = color;
  const iLo = ax >> 1, iHi = (bx - 1) >> 1, jLo = ay >> 1, jHi = (by - 1) >> 1;
  const nw = iHi - iLo + 1, blocks = nw * (jHi - jLo + 1);
  if (blockCounts.length < blocks) blockCounts = new Int32Array(blocks);
  const counts = blockCounts;
  counts.fill(0, 0, blocks);
  for (let y = ay; y < by; y++) {
    const src = (y - y0) * bw - x0;
    const dst = y * w;
    const crow = ((y >> 1) - jLo) * nw - iLo;
    for (let x = ax; x < bx; x++) {
      if (bitmap[src + x] === 0) continue;
      yuv[dst + x] = cy;
      counts[crow + (x >> 1)]++;
    }
  }
  const L = yuv420Layout(w, h);
  for (let j = jLo; j <= jHi; j++) {
    const rows = Math.min(h, 2 * j + 2) - 2 * j;
    const row = j * L.chromaWidth;
    for (let i = iLo; i <= iHi; i++) {
      const painted = counts[(j - jLo) * nw + (i - iLo)];
      if (painted === 0) continue;
      const cols = Math.min(w, 2 * i + 2) - 2 * i;
      blendChroma(yuv, L.uOffset + row + i, L.vOffset + row + i, cu, cv, painted, cols * rows);
    }
  }
}

/** Moves the chroma sample at (u, v) towards (cu, cv) by `share` of `of` (integers, share ≤ of). */
function blendChroma(yuv: Uint8Array, u: number, v: number, cu: number, cv: number, share: number, of: number): void {
  if (share >= of) {
    yuv[u] = cu;
    yuv[v] = cv;
    return;
  }
  const keep = of - share, half = of >> 1;
  yuv[u] = Math.floor((yuv[u] * keep + cu * share + half) / of);
  yuv[v] = Math.floor((yuv[v] * keep + cv * share + half) / of);
}
