/**
 * Resize, letterbox and pad arithmetic, and packing I420 frames into CHW float tensors.
 */
import { YUV_COEF, yuv420Layout, type Yuv420Layout } from './yuv420.js';

/** Python's round(): halves go to the even neighbour (ultralytics computes sizes with it). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface Letterbox {
  /** Frame -> input factor: input = frame * scale + pad. */
  scale: number;
  padX: number;
  padY: number;
  resizedW: number;
  resizedH: number;
  /** Model input size (= dstW, dstH). */
  inW: number;
  inH: number;
}

/**
 * Ultralytics LetterBox (auto=False, center=True): keep aspect with
 * scale = min(dstW/srcW, dstH/srcH), resized = round(src * scale) (Python rounding), and split the
 * padding with the smaller half on the left/top: pad = round((dst - resized)/2 - 0.1), which for
 * these half-integer values is floor((dst - resized)/2).
 *
 * Example: 1280x720 -> 640x640 gives scale 0.5, resized 640x360, padX 0, padY 140.
 */
export function letterbox(srcW: number, srcH: number, dstW: number, dstH: number): Letterbox {
  if (!(srcW > 0 && srcH > 0 && dstW > 0 && dstH > 0)) throw new RangeError('letterbox: sizes must be positive');
  const scale = Math.min(dstW / srcW, dstH / srcH);
  const resizedW = Math.min(dstW, Math.max(1, roundHalfEven(srcW * scale)));
  const resizedH = Math.min(dstH, Math.max(1, roundHalfEven(srcH * scale)));
  return {
    scale,
    padX: Math.floor((dstW - resizedW) / 2),
    padY: Math.floor((dstH - resizedH) / 2),
    resizedW,
    resizedH,
    inW: dstW,
    inH: dstH,
  };
}

export interface ShortSideResize {
  /** The single factor applied: min(shortSide / short, maxLongSide / long). */
  scale: number;
  /** Exact per-axis factors after flooring to whole pixels (resized / src): use these to map boxes back. */
  scaleX: number;
  scaleY: number;
  resizedW: number;
  resizedH: number;
  /** Resized size rounded up to a multiple of padMultiple (image at top-left, zeros elsewhere). */
  paddedW: number;
  paddedH: number;
}

/**
 * Mask R-CNN resize rule (torchvision GeneralizedRCNNTransform / ONNX Model Zoo MaskRCNN):
 * scale the short side to `shortSide` unless that makes the long side exceed `maxLongSide`, in
 * which case the long side is `maxLongSide`; sizes are floored; then pad up to multiples of
 * `padMultiple`. Defaults: 800, 1333, 32.
 *
 * Example: 640x360 -> 800 would make the long side 1422 > 1333, so scale = 1333/640 and the result
 * is 1333x749, padded to 1344x768.
 */
export function resizeShortSide(
  srcW: number,
  srcH: number,
  shortSide = 800,
  maxLongSide = 1333,
  padMultiple = 32,
): ShortSideResize {
  if (!(srcW > 0 && srcH > 0)) throw new RangeError('resizeShortSide: sizes must be positive');
  const scale = Math.min(shortSide / Math.min(srcW, srcH), maxLongSide / Math.max(srcW, srcH));
  // The epsilon keeps e.g. 640 * (1333/640) = 1332.9999999 from flooring to 1332.
  const resizedW = Math.max(1, Math.floor(srcW * scale + 1e-6));
  const resizedH = Math.max(1, Math.floor(srcH * scale + 1e-6));
  const m = Math.max(1, padMultiple);
  return {
    scale,
    scaleX: resizedW / srcW,
    scaleY: resizedH / srcH,
    resizedW,
    resizedH,
    paddedW: Math.ceil(resizedW / m) * m,
    paddedH: Math.ceil(resizedH / m) * m,
  };
}

/** Where and how a frame is written into a planar CHW float tensor. */
export interface TensorLayout {
  tensorW: number;
  tensorH: number;
  /** Size the frame is resized to (bilinear) before placing it. */
  resizedW: number;
  resizedH: number;
  /** Top-left of the resized image inside the tensor. */
  offsetX: number;
  offsetY: number;
  /** Channel order of the tensor planes. */
  channelOrder: 'rgb' | 'bgr';
  /** Multiplies the 0..255 RGB values (1/255 for 0..1 models, 1 for 0..255 models). */
  scale: number;
  /** Subtracted after scaling, per plane, in the tensor's channel order. */
  mean: [number, number, number];
  /** Final tensor value outside the placed image (after scale/mean, e.g. 114/255 or 0). */
  padValue: number;
}

/** Fills the part of each plane not covered by the placed image with `padValue`. */
function fillPadding(out: Float32Array, l: TensorLayout): void {
  const { tensorW: tw, tensorH: th, resizedW: rw, resizedH: rh, offsetX: ox, offsetY: oy, padValue } = l;
  const plane = tw * th;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    out.fill(padValue, base, base + oy * tw);
    out.fill(padValue, base + (oy + rh) * tw, base + plane);
    if (ox > 0 || ox + rw < tw) {
      for (let y = oy; y < oy + rh; y++) {
        const row = base + y * tw;
        out.fill(padValue, row, row + ox);
        out.fill(padValue, row + ox + rw, row + tw);
      }
    }
  }
}

/**
 * Bilinear-resizes an I420 frame (`srcW` x `srcH`, src/core/yuv420.ts) to `layout.resized*`,
 * converts it to RGB (BT.601 limited range, clamped to 0..255) and writes it as planar CHW
 * float32 at `layout.offset*` inside `out` (3 * tensorH * tensorW), value = rgb * scale - mean,
 * padding elsewhere. Sampling is at pixel centres, align_corners=False, edge-clamped, no antialias
 * (F.interpolate bilinear / cv2.INTER_LINEAR), on each plane at its own resolution (chroma
 * samples centred on their 2x2 block) when enlarging; otherwise chroma is the sample of the block
 * under each output pixel's centre (at the same size: each pixel's own block, as ffmpeg's yuv420p
 * to rgb24 does).
 */
export function yuv420ToChwFloat(
  yuv: Uint8Array,
  srcW: number,
  srcH: number,
  layout: TensorLayout,
  out: Float32Array,
): void {
  const { tensorW: tw, tensorH: th, resizedW: rw, resizedH: rh, offsetX: ox, offsetY: oy } = layout;
  const L = yuv420Layout(srcW, srcH);
  if (yuv.length < L.size) throw new RangeError('yuv420ToChwFloat: frame buffer too small');
  if (out.length < 3 * tw * th) throw new RangeError('yuv420ToChwFloat: out tensor too small');
  if (ox < 0 || oy < 0 || ox + rw > tw || oy + rh > th || rw <= 0 || rh <= 0) {
    throw new RangeError('yuv420ToChwFloat: resized image does not fit the tensor');
  }
  fillPadding(out, layout);
  const plane = tw * th;
  const bgr = layout.channelOrder === 'bgr';
  const [m0, m1, m2] = layout.mean;
  const dst: Destination = {
    out, tw, ox, oy, k: layout.scale,
    // Tensor plane offsets of R, G and B, and the mean subtracted from each.
    pr: (bgr ? 2 : 0) * plane, pg: plane, pb: (bgr ? 0 : 2) * plane,
    mr: bgr ? m2 : m0, mg: m1, mb: bgr ? m0 : m2,
  };
  const lx = taps(rw, srcW, srcW, 1), ly = taps(rh, srcH, srcH, 1);
  // Not enlarging (the same size, or 720p to the bundled model's 426x240), each output pixel takes
  // the chroma sample of the 2x2 block under its centre, as ffmpeg's yuv420p to rgb24 does before
  // any RGB resize: half the work of interpolating it. Enlarging, chroma is interpolated like
  // luma, on its own plane, so that it does not come out in blocks.
  if (rw <= srcW && rh <= srcH) {
    sampleNearestChroma(yuv, L, lx, ly, centres(rw, srcW, L.chromaWidth), centres(rh, srcH, L.chromaHeight), dst);
  } else {
    sampleBilinearChroma(yuv, L, lx, ly, taps(rw, srcW, L.chromaWidth, 2), taps(rh, srcH, L.chromaHeight, 2), dst);
  }
}

/** Where converted pixels go: the tensor, its layout, and the per-channel scale and mean. */
interface Destination {
  out: Float32Array;
  tw: number;
  ox: number;
  oy: number;
  k: number;
  pr: number;
  pg: number;
  pb: number;
  mr: number;
  mg: number;
  mb: number;
}

/** Per output column (or row): the two source samples to interpolate and the second's weight. */
interface Taps {
  a: Int32Array;
  b: Int32Array;
  w: Float32Array;
}

/**
 * Bilinear taps for `n` outputs over `srcN` luma samples, on a plane of `planeN` samples that is
 * `ratio` times coarser (1 luma, 2 chroma): centres aligned, edge-clamped.
 */
function taps(n: number, srcN: number, planeN: number, ratio: number): Taps {
  const a = new Int32Array(n), b = new Int32Array(n), w = new Float32Array(n);
  const step = srcN / n;
  for (let i = 0; i < n; i++) {
    // Centre of output pixel i in source luma coordinates, then in this plane's coordinates.
    const s = Math.max(0, ((i + 0.5) * step) / ratio - 0.5);
    const i0 = Math.min(Math.floor(s), planeN - 1);
    a[i] = i0;
    b[i] = Math.min(i0 + 1, planeN - 1);
    w[i] = Math.min(1, s - i0);
  }
  return { a, b, w };
}

/** The chroma sample under each of `n` output centres over `srcN` luma samples. */
function centres(n: number, srcN: number, planeN: number): Int32Array {
  const a = new Int32Array(n);
  const step = srcN / n;
  for (let i = 0; i < n; i++) a[i] = Math.min(planeN - 1, Math.floor(((i + 0.5) * step) / 2));
  return a;
}

const { rv: RV, gu: GU, gv: GV, bu: BU } = YUV_COEF;

/**
 * Converts one pixel (luma scaled to 0..255, chroma centred on 0) to RGB, clamps it and stores it
 * at offset `o` of the R, G and B planes. Plain number arguments: V8 inlines it into the loops.
 */
function putRgb(
  out: Float32Array, o: number, pr: number, pg: number, pb: number,
  k: number, mr: number, mg: number, mb: number, l: number, cb: number, cr: number,
): void {
  let r = l + RV * cr, g = l - GU * cb - GV * cr, b = l + BU * cb;
  r = r < 0 ? 0 : r > 255 ? 255 : r;
  g = g < 0 ? 0 : g > 255 ? 255 : g;
  b = b < 0 ? 0 : b > 255 ? 255 : b;
  out[pr + o] = r * k - mr;
  out[pg + o] = g * k - mg;
  out[pb + o] = b * k - mb;
}

function sampleNearestChroma(yuv: Uint8Array, L: Yuv420Layout, lx: Taps, ly: Taps, cx: Int32Array, cy: Int32Array, d: Destination): void {
  const { ky } = YUV_COEF;
  const { out, k, pr, pg, pb, mr, mg, mb } = d;
  const { a: xa, b: xb, w: wx } = lx;
  const w = L.width, cw = L.chromaWidth;
  for (let y = 0; y < ly.a.length; y++) {
    const yA = ly.a[y] * w, yB = ly.b[y] * w, wy = ly.w[y];
    const uRow = L.uOffset + cy[y] * cw, vRow = L.vOffset + cy[y] * cw;
    let o = (d.oy + y) * d.tw + d.ox;
    for (let x = 0; x < xa.length; x++, o++) {
      const a = xa[x], b = xb[x], f = wx[x];
      const t = yuv[yA + a] + (yuv[yA + b] - yuv[yA + a]) * f;
      const u = yuv[yB + a] + (yuv[yB + b] - yuv[yB + a]) * f;
      const l = (t + (u - t) * wy - 16) * ky;
      const c = cx[x];
      putRgb(out, o, pr, pg, pb, k, mr, mg, mb, l, yuv[uRow + c] - 128, yuv[vRow + c] - 128);
    }
  }
}

function sampleBilinearChroma(yuv: Uint8Array, L: Yuv420Layout, lx: Taps, ly: Taps, cx: Taps, cy: Taps, d: Destination): void {
  const { ky } = YUV_COEF;
  const { out, k, pr, pg, pb, mr, mg, mb } = d;
  const { a: xa, b: xb, w: wx } = lx;
  const { a: cxa, b: cxb, w: cxw } = cx;
  const w = L.width, cw = L.chromaWidth;
  for (let y = 0; y < ly.a.length; y++) {
    const yA = ly.a[y] * w, yB = ly.b[y] * w, wy = ly.w[y];
    const uA = L.uOffset + cy.a[y] * cw, uB = L.uOffset + cy.b[y] * cw;
    const vA = L.vOffset + cy.a[y] * cw, vB = L.vOffset + cy.b[y] * cw, wcy = cy.w[y];
    let o = (d.oy + y) * d.tw + d.ox;
    for (let x = 0; x < xa.length; x++, o++) {
      const a = xa[x], b = xb[x], f = wx[x];
      let t = yuv[yA + a] + (yuv[yA + b] - yuv[yA + a]) * f;
      let u = yuv[yB + a] + (yuv[yB + b] - yuv[yB + a]) * f;
      const l = (t + (u - t) * wy - 16) * ky;
      const ca = cxa[x], cbx = cxb[x], wcx = cxw[x];
      t = yuv[uA + ca] + (yuv[uA + cbx] - yuv[uA + ca]) * wcx;
      u = yuv[uB + ca] + (yuv[uB + cbx] - yuv[uB + ca]) * wcx;
      const cb = t + (u - t) * wcy - 128;
      t = yuv[vA + ca] + (yuv[vA + cbx] - yuv[vA + ca]) * wcx;
      u = yuv[vB + ca] + (yuv[vB + cbx] - yuv[vB + ca]) * wcx;
      putRgb(out, o, pr, pg, pb, k, mr, mg, mb, l, cb, t + (u - t) * wcy - 128);
    }
  }
}
