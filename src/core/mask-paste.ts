/**
 * Pasting low-resolution instance masks into frame-sized binary masks.
 *
 * Both pastes sample at pixel centres (align_corners=False) and only visit frame pixels whose
 * centre lies inside the box (clipped to the frame); everything else in `out` is left untouched,
 * so one zeroed buffer can be reused (clear the box after use).
 */
import type { BoxXYXY } from './types.js';

/** Letterbox mapping from frame pixels to model input pixels: input = frame * scale + pad. */
export interface LetterboxMap {
  scale: number;
  padX: number;
  padY: number;
  /** Model input size the prototype grid covers. */
  inW: number;
  inH: number;
}

/**
 * First and one-past-last pixel whose centre (p + 0.5) lies in [lo, hi], clipped to [0, limit).
 * The closed interval matches detectron2 for threshold >= 0.5 (see {@link pasteMask}).
 */
export function centreSpan(lo: number, hi: number, limit: number): [number, number] {
  const start = Math.max(0, Math.ceil(lo - 0.5));
  const end = Math.min(limit, Math.floor(hi - 0.5) + 1);
  return [start, Math.max(start, end)];
}

/**
 * Bilinear taps for `count` output pixels starting at `start`, sampling source coordinate
 * `src(p) = (p + 0.5) * mul + add` on a grid of `n` cells. With `zeroPad` the taps falling outside
 * the grid weigh 0 (grid_sample padding_mode='zeros'); otherwise they clamp to the edge
 * (F.interpolate, align_corners=False). Indices are pre-multiplied by `stride`.
 */
function bilinearTaps(
  start: number,
  count: number,
  mul: number,
  add: number,
  n: number,
  zeroPad: boolean,
  stride: number,
  i0: Int32Array,
  i1: Int32Array,
  w0: Float64Array,
  w1: Float64Array,
): void {
  for (let k = 0; k < count; k++) {
    let s = (start + k + 0.5) * mul + add;
    if (!zeroPad) s = Math.min(Math.max(s, 0), n - 1);
    const f = Math.floor(s);
    const t = s - f;
    const a = f, b = f + 1;
    // An out-of-range tap keeps a valid index so the hot loop never branches on it.
    const aIn = a >= 0 && a < n, bIn = b >= 0 && b < n;
    i0[k] = (aIn ? a : 0) * stride;
    i1[k] = (bIn ? b : aIn ? a : 0) * stride;
    w0[k] = aIn ? 1 - t : 0;
    w1[k] = bIn ? t : 0;
  }
}

/**
 * Samples `src` (a grid `srcW` wide) into frame pixels [x0,x1) x [y0,y1) of `out` using the taps,
 * separably: each source row the y taps reference is interpolated horizontally once (a mask has
 * far fewer rows than the box it is pasted into), then each output pixel blends two of those rows.
 */
function sampleAndThreshold(
  src: Float32Array, srcW: number,
  xi0: Int32Array, xi1: Int32Array, xw0: Float64Array, xw1: Float64Array,
  yi0: Int32Array, yi1: Int32Array, yw0: Float64Array, yw1: Float64Array,
  x0: number, x1: number, y0: number, y1: number,
  frameW: number, threshold: number, out: Uint8Array,
): void {
  const cols = x1 - x0, rows = y1 - y0;
  // y taps are row offsets (row * srcW); find the source rows they reference.
  let firstRow = Infinity, lastRow = -Infinity;
  for (let ry = 0; ry < rows; ry++) {
    firstRow = Math.min(firstRow, yi0[ry], yi1[ry]);
    lastRow = Math.max(lastRow, yi0[ry], yi1[ry]);
  }
  firstRow /= srcW;
  lastRow /= srcW;
  const hRows = lastRow - firstRow + 1;
  const hbuf = new Float32Array(hRows * cols);
  for (let r = 0; r < hRows; r++) {
    const s = (firstRow + r) * srcW;
    const h = r * cols;
    for (let cx = 0; cx < cols; cx++) hbuf[h + cx] = xw0[cx] * src[s + xi0[cx]] + xw1[cx] * src[s + xi1[cx]];
  }
  for (let ry = 0; ry < rows; ry++) {
    const h0 = (yi0[ry] / srcW - firstRow) * cols, h1 = (yi1[ry] / srcW - firstRow) * cols;
    const wy0 = yw0[ry], wy1 = yw1[ry];
    let o = (y0 + ry) * frameW + x0;
    for (let cx = 0; cx < cols; cx++, o++) {
      if (wy0 * hbuf[h0 + cx] + wy1 * hbuf[h1 + cx] >= threshold) out[o] = 1;
    }
  }
}

/**
 * Mask R-CNN paste (detectron2 `paste_masks_in_image` semantics): the `maskW` x `maskH`
 * probability map covers `box` exactly; each frame pixel whose centre lies in the box samples it
 * bilinearly at that centre (align_corners=False, zero padding beyond the mask's edge cells, as
 * grid_sample does) and is set to 1 where the probability is >= `threshold`.
 *
 * Pixels whose centre lies outside the box are never written: for threshold >= 0.5 detectron2
 * cannot set them either, so results are identical; for lower thresholds we keep the mask inside
 * its box. (torchvision's own paste rounds the box to integers and pads the mask by one cell, so it
 * can differ from this by a pixel at the border.)
 *
 * @param out frame-sized row-major mask (frameW * frameH), zeroed by the caller; only 1s are written.
 */
export function pasteMask(
  mask: Float32Array,
  maskW: number,
  maskH: number,
  box: BoxXYXY,
  frameW: number,
  frameH: number,
  threshold: number,
  out: Uint8Array,
): void {
  const [bx1, by1, bx2, by2] = box;
  const bw = bx2 - bx1, bh = by2 - by1;
  if (!(bw > 0 && bh > 0) || maskW <= 0 || maskH <= 0) return;
  const [x0, x1] = centreSpan(bx1, bx2, frameW);
  const [y0, y1] = centreSpan(by1, by2, frameH);
  const cols = x1 - x0, rows = y1 - y0;
  if (cols === 0 || rows === 0) return;
  const xi0 = new Int32Array(cols), xi1 = new Int32Array(cols);
  const xw0 = new Float64Array(cols), xw1 = new Float64Array(cols);
  const yi0 = new Int32Array(rows), yi1 = new Int32Array(rows);
  const yw0 = new Float64Array(rows), yw1 = new Float64Array(rows);
  // mask coordinate = (frame centre - box origin) * cells/px - 0.5
  const mx = maskW / bw, my = maskH / bh;
  bilinearTaps(x0, cols, mx, -bx1 * mx - 0.5, maskW, true, 1, xi0, xi1, xw0, xw1);
  bilinearTaps(y0, rows, my, -by1 * my - 0.5, maskH, true, maskW, yi0, yi1, yw0, yw1);
  sampleAndThreshold(mask, maskW, xi0, xi1, xw0, xw1, yi0, yi1, yw0, yw1, x0, x1, y0, y1, frameW, threshold, out);
}

/**
 * YOLO-seg paste: `proto` (mw x mh probabilities, already sigmoid, for one instance) covers the whole
 * letterboxed model input (inW x inH). Each frame pixel whose centre lies in `box` (frame pixels) is
 * mapped frame -> input (`* scale + pad`) -> prototype grid (align_corners=False, edge-clamped like
 * F.interpolate) and sampled bilinearly; set to 1 where the probability is >= `threshold`.
 * One sample at the exact position replaces ultralytics' upsample-then-resize (same result up to
 * interpolation rounding).
 *
 * @param out frame-sized row-major mask (frameW * frameH), zeroed by the caller; only 1s are written.
 */
export function pasteProtoMask(
  proto: Float32Array,
  mw: number,
  mh: number,
  map: LetterboxMap,
  box: BoxXYXY,
  frameW: number,
  frameH: number,
  threshold: number,
  out: Uint8Array,
): void {
  if (mw <= 0 || mh <= 0 || !(map.scale > 0)) return;
  const [x0, x1] = centreSpan(box[0], box[2], frameW);
  const [y0, y1] = centreSpan(box[1], box[3], frameH);
  const cols = x1 - x0, rows = y1 - y0;
  if (cols <= 0 || rows <= 0) return;
  const xi0 = new Int32Array(cols), xi1 = new Int32Array(cols);
  const xw0 = new Float64Array(cols), xw1 = new Float64Array(cols);
  const yi0 = new Int32Array(rows), yi1 = new Int32Array(rows);
  const yw0 = new Float64Array(rows), yw1 = new Float64Array(rows);
  // proto coordinate = ((frame centre) * scale + pad) * (mw / inW) - 0.5
  const kx = mw / map.inW, ky = mh / map.inH;
  bilinearTaps(x0, cols, map.scale * kx, map.padX * kx - 0.5, mw, false, 1, xi0, xi1, xw0, xw1);
  bilinearTaps(y0, rows, map.scale * ky, map.padY * ky - 0.5, mh, false, mw, yi0, yi1, yw0, yw1);
  sampleAndThreshold(proto, mw, xi0, xi1, xw0, xw1, yi0, yi1, yw0, yw1, x0, x1, y0, y1, frameW, threshold, out);
}

/**
 * Tight box of the nonzero pixels of a row-major mask, as [x1, y1, x2, y2] with exclusive x2/y2
 * (integers), or null when the mask is empty.
 */
export function boxOfMask(mask: Uint8Array, w: number, h: number): BoxXYXY | null {
  let minX = w, minY = -1, maxX = -1, maxY = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let first = -1;
    for (let x = 0; x < w; x++) {
      if (mask[row + x] !== 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    if (minY < 0) minY = y;
    maxY = y;
    if (first < minX) minX = first;
    // Only scan right of what is already known to be covered.
    for (let x = w - 1; x > maxX && x >= first; x--) {
      if (mask[row + x] !== 0) {
        maxX = x;
        break;
      }
    }
  }
  return minY < 0 ? null : [minX, minY, maxX + 1, maxY + 1];
}
