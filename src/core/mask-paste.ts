/**
 * Pasting low-resolution instance masks into frame-sized binary masks.
 *
 * Both pastes sample at pixel centres (align_corners=False), only visit frame pixels whose centre
 * lies inside the box (clipped to the frame; everything else is 0) and return COCO RLE.
 */
import type { BoxXYXY, Rle } from './types.js';
import { emptyRle } from './rle.js';

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
 * (F.interpolate, align_corners=False).
 */
function bilinearTaps(
  start: number,
  count: number,
  mul: number,
  add: number,
  n: number,
  zeroPad: boolean,
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
    i0[k] = aIn ? a : 0;
    i1[k] = bIn ? b : aIn ? a : 0;
    w0[k] = aIn ? 1 - t : 0;
    w1[k] = bIn ? t : 0;
  }
}

/**
 * Samples `src` (a grid `srcW` wide, y taps as row indices) at frame pixels [x0,x1) x [y0,y1),
 * thresholds, and emits the frame-sized COCO RLE directly: column by column, as RLE runs go, so no
 * frame-sized buffer is written, read back across rows and cleared. Each column first interpolates
 * the source rows the y taps reference horizontally (a mask has far fewer rows than the box it is
 * pasted into), then each pixel blends two of those values.
 */
function sampleToRle(
  src: Float32Array, srcW: number,
  xi0: Int32Array, xi1: Int32Array, xw0: Float64Array, xw1: Float64Array,
  yi0: Int32Array, yi1: Int32Array, yw0: Float64Array, yw1: Float64Array,
  x0: number, x1: number, y0: number, y1: number,
  frameW: number, frameH: number, threshold: number,
): Rle {
  const rows = y1 - y0;
  let firstRow = Infinity, lastRow = -Infinity;
  for (let ry = 0; ry < rows; ry++) {
    firstRow = Math.min(firstRow, yi0[ry], yi1[ry]);
    lastRow = Math.max(lastRow, yi0[ry], yi1[ry]);
  }
  // y taps relative to the first referenced source row: indices into `col`.
  const ya = new Int32Array(rows), yb = new Int32Array(rows);
  for (let ry = 0; ry < rows; ry++) {
    ya[ry] = yi0[ry] - firstRow;
    yb[ry] = yi1[ry] - firstRow;
  }
  // Groups of consecutive rows that blend the same two source rows (~box height / mask height
  // rows each). A pixel's value is a weighted mean of those two, so when both lie clearly on one
  // side of the threshold the whole group does: only groups that straddle it are sampled per
  // pixel. The margins keep this exact despite float rounding (checked against per-pixel
  // sampling in the tests); `full` marks groups whose weights sum to 1 (no zero padding), the
  // only ones that can be all set.
  const gStart: number[] = [], gFull: boolean[] = [];
  for (let ry = 0; ry < rows; ry++) {
    const full = Math.abs(yw0[ry] + yw1[ry] - 1) < 1e-12;
    const g = gStart.length - 1;
    if (g >= 0 && ya[ry] === ya[gStart[g]] && yb[ry] === yb[gStart[g]]) {
      gFull[g] = gFull[g] && full;
    } else {
      gStart.push(ry);
      gFull.push(full);
    }
  }
  gStart.push(rows);
  const groups = gFull.length;
  const surelyBelow = threshold > 0 ? threshold * (1 - 1e-9) : -Infinity;
  const surelyAbove = threshold > 0 ? threshold * (1 + 1e-9) : Infinity;
  const col = new Float32Array(lastRow - firstRow + 1);
  // Runs are cut at value changes, tracked by column-major position: `mark` is where the current
  // run began, `value` its value (the first run is zeros by definition).
  const counts: number[] = [];
  let value = 0;
  let mark = 0;
  for (let x = x0; x < x1; x++) {
    const cx = x - x0;
    const a = xi0[cx], b = xi1[cx], wa = xw0[cx], wb = xw1[cx];
    for (let r = 0, s = firstRow * srcW; r < col.length; r++, s += srcW) col[r] = wa * src[s + a] + wb * src[s + b];
    const base = x * frameH + y0; // column-major position of row y0
    // Rows above y0 are zeros.
    if (value !== 0 && y0 > 0) {
      counts.push(base - y0 - mark);
      mark = base - y0;
      value = 0;
    }
    for (let g = 0; g < groups; g++) {
      const r0 = gStart[g], r1 = gStart[g + 1];
      const ca = col[ya[r0]], cb = col[yb[r0]];
      let bulk = -1;
      if (ca < surelyBelow && cb < surelyBelow) bulk = 0;
      else if (gFull[g] && ca > surelyAbove && cb > surelyAbove) bulk = 1;
      if (bulk >= 0) {
        if (bulk !== value) {
          counts.push(base + r0 - mark);
          mark = base + r0;
          value = bulk;
        }
        continue;
      }
      for (let ry = r0; ry < r1; ry++) {
        const v = yw0[ry] * col[ya[ry]] + yw1[ry] * col[yb[ry]] >= threshold ? 1 : 0;
        if (v !== value) {
          counts.push(base + ry - mark);
          mark = base + ry;
          value = v;
        }
      }
    }
    // Rows from y1 down are zeros.
    if (value !== 0 && y1 < frameH) {
      const pos = base + rows;
      counts.push(pos - mark);
      mark = pos;
      value = 0;
    }
  }
  // Columns right of x1 are zeros.
  if (value !== 0 && x1 < frameW) {
    counts.push(x1 * frameH - mark);
    mark = x1 * frameH;
  }
  counts.push(frameW * frameH - mark);
  return { size: [frameH, frameW], counts };
}

/** One axis of the map from frame pixel centres to grid coordinates: grid = (p + 0.5) * mul + add. */
interface AxisMap {
  mul: number;
  add: number;
}

/**
 * The one paste every mask format goes through: samples a `gw` x `gh` probability grid bilinearly
 * at the centre of each frame pixel inside `box` (clipped to the frame), through the per-axis maps,
 * and returns the thresholded frame-sized mask as COCO RLE. Outside the grid, taps weigh 0
 * (`zeroPad`) or clamp to its edge.
 */
function pasteGrid(
  grid: Float32Array, gw: number, gh: number,
  mx: AxisMap, my: AxisMap, zeroPad: boolean,
  box: BoxXYXY, frameW: number, frameH: number, threshold: number,
): Rle {
  const [x0, x1] = centreSpan(box[0], box[2], frameW);
  const [y0, y1] = centreSpan(box[1], box[3], frameH);
  const cols = x1 - x0, rows = y1 - y0;
  if (cols <= 0 || rows <= 0) return emptyRle(frameW, frameH);
  const xi0 = new Int32Array(cols), xi1 = new Int32Array(cols);
  const xw0 = new Float64Array(cols), xw1 = new Float64Array(cols);
  const yi0 = new Int32Array(rows), yi1 = new Int32Array(rows);
  const yw0 = new Float64Array(rows), yw1 = new Float64Array(rows);
  bilinearTaps(x0, cols, mx.mul, mx.add, gw, zeroPad, xi0, xi1, xw0, xw1);
  bilinearTaps(y0, rows, my.mul, my.add, gh, zeroPad, yi0, yi1, yw0, yw1);
  return sampleToRle(grid, gw, xi0, xi1, xw0, xw1, yi0, yi1, yw0, yw1, x0, x1, y0, y1, frameW, frameH, threshold);
}

/**
 * Mask R-CNN paste (detectron2 `paste_masks_in_image` semantics): the `maskW` x `maskH`
 * probability map covers `box` exactly; each frame pixel whose centre lies in the box samples it
 * bilinearly at that centre (align_corners=False, zero padding beyond the mask's edge cells, as
 * grid_sample does) and is set to 1 where the probability is >= `threshold`.
 *
 * Pixels whose centre lies outside the box are never set: for threshold >= 0.5 detectron2 cannot
 * set them either, so results are identical; for lower thresholds we keep the mask inside its box.
 * (torchvision's own paste rounds the box to integers and pads the mask by one cell, so it can
 * differ from this by a pixel at the border.)
 *
 * @returns the frame-sized (frameW x frameH) mask as COCO RLE.
 */
export function pasteMask(
  mask: Float32Array,
  maskW: number,
  maskH: number,
  box: BoxXYXY,
  frameW: number,
  frameH: number,
  threshold: number,
): Rle {
  const [bx1, by1, bx2, by2] = box;
  const bw = bx2 - bx1, bh = by2 - by1;
  if (!(bw > 0 && bh > 0) || maskW <= 0 || maskH <= 0) return emptyRle(frameW, frameH);
  // mask coordinate = (frame centre - box origin) * cells/px - 0.5
  const kx = maskW / bw, ky = maskH / bh;
  return pasteGrid(mask, maskW, maskH, { mul: kx, add: -bx1 * kx - 0.5 }, { mul: ky, add: -by1 * ky - 0.5 }, true, box, frameW, frameH, threshold);
}

/**
 * YOLO-seg paste: `proto` (mw x mh probabilities, already sigmoid, for one instance) covers the whole
 * letterboxed model input (inW x inH). Each frame pixel whose centre lies in `box` (frame pixels) is
 * mapped frame -> input (`* scale + pad`) -> prototype grid (align_corners=False, edge-clamped like
 * F.interpolate) and sampled bilinearly; set to 1 where the probability is >= `threshold`.
 * One sample at the exact position replaces ultralytics' upsample-then-resize (same result up to
 * interpolation rounding).
 *
 * @returns the frame-sized (frameW x frameH) mask as COCO RLE.
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
): Rle {
  if (mw <= 0 || mh <= 0 || !(map.scale > 0)) return emptyRle(frameW, frameH);
  // proto coordinate = ((frame centre) * scale + pad) * (mw / inW) - 0.5
  const kx = mw / map.inW, ky = mh / map.inH;
  return pasteGrid(proto, mw, mh, { mul: map.scale * kx, add: map.padX * kx - 0.5 }, { mul: map.scale * ky, add: map.padY * ky - 0.5 }, false, box, frameW, frameH, threshold);
}

/**
 * Full-size mask (torchvision's own paste, format 'torchvision'): the `maskW` x `maskH` map covers
 * the whole frame, at the frame's size or at the size the frame was shrunk to for the model. Each
 * frame pixel whose centre lies in `box` samples it bilinearly (align_corners=False, edge-clamped);
 * at the frame's own size that is the map's value at the pixel, exactly.
 *
 * @returns the frame-sized (frameW x frameH) mask as COCO RLE.
 */
export function pasteFullMask(
  probs: Float32Array,
  maskW: number,
  maskH: number,
  box: BoxXYXY,
  frameW: number,
  frameH: number,
  threshold: number,
): Rle {
  if (maskW <= 0 || maskH <= 0) return emptyRle(frameW, frameH);
  return pasteGrid(probs, maskW, maskH, { mul: maskW / frameW, add: -0.5 }, { mul: maskH / frameH, add: -0.5 }, false, box, frameW, frameH, threshold);
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
