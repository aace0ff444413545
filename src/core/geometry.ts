/**
 * Resize, letterbox and pad arithmetic, and packing I420 frames into CHW float tensors.
 */
import { YUV_COEF, yuv420Layout } from './yuv420.js';

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
 * samples centred on their 2x2 block). When the resized size equals the source size each pixel is
 * converted with its block's chroma, as ffmpeg's yuv420p to rgb24 does.
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
  // Tensor plane of R and of B (G is always plane 1).
  const pr = (bgr ? 2 : 0) * plane, pb = (bgr ? 0 : 2) * plane, pg = plane;
  const k = layout.scale;
  const [m0, , m2] = layout.mean;
  const mr = bgr ? m2 : m0, mg = layout.mean[1], mb = bgr ? m0 : m2;
  const { ky, rv, gu, gv, bu } = YUV_COEF;
  const { chromaWidth: cw, chromaHeight: ch, uOffset, vOffset } = L;

  if (rw === srcW && rh === srcH) {
    for (let y = 0; y < rh; y++) {
      let o = (oy + y) * tw + ox;
      const yRow = y * srcW;
      const cRow = (y >> 1) * cw;
      for (let x = 0; x < rw; x++, o++) {
        const l = (yuv[yRow + x] - 16) * ky;
        const c = cRow + (x >> 1);
        const cb = yuv[uOffset + c] - 128, cr = yuv[vOffset + c] - 128;
        let r = l + rv * cr, g = l - gu * cb - gv * cr, b = l + bu * cb;
        r = r < 0 ? 0 : r > 255 ? 255 : r;
        g = g < 0 ? 0 : g > 255 ? 255 : g;
        b = b < 0 ? 0 : b > 255 ? 255 : b;
        out[pr + o] = r * k - mr;
        out[pg + o] = g * k - mg;
        out[pb + o] = b * k - mb;
      }
    }
    return;
  }

  // Per-column taps on the luma and the chroma planes: the two source columns and the right weight.
  const taps = (n: number, srcN: number, planeN: number, ratio: number) => {
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
  };
  const { a: lxa, b: lxb, w: lxw } = taps(rw, srcW, srcW, 1);
  const { a: cxa, b: cxb, w: cxw } = taps(rw, srcW, cw, 2);
  const ly = taps(rh, srcH, srcH, 1), cy = taps(rh, srcH, ch, 2);
  for (let y = 0; y < rh; y++) {
    const yA = ly.a[y] * srcW, yB = ly.b[y] * srcW, wy = ly.w[y];
    const uA = uOffset + cy.a[y] * cw, uB = uOffset + cy.b[y] * cw;
    const vA = vOffset + cy.a[y] * cw, vB = vOffset + cy.b[y] * cw, wcy = cy.w[y];
    let o = (oy + y) * tw + ox;
    for (let x = 0; x < rw; x++, o++) {
      const xa = lxa[x], xb = lxb[x], wx = lxw[x];
      let t = yuv[yA + xa] + (yuv[yA + xb] - yuv[yA + xa]) * wx;
      let u = yuv[yB + xa] + (yuv[yB + xb] - yuv[yB + xa]) * wx;
      const l = (t + (u - t) * wy - 16) * ky;
      const ca = cxa[x], cbx = cxb[x], wcx = cxw[x];
      t = yuv[uA + ca] + (yuv[uA + cbx] - yuv[uA + ca]) * wcx;
      u = yuv[uB + ca] + (yuv[uB + cbx] - yuv[uB + ca]) * wcx;
      const cb = t + (u - t) * wcy - 128;
      t = yuv[vA + ca] + (yuv[vA + cbx] - yuv[vA + ca]) * wcx;
      u = yuv[vB + ca] + (yuv[vB + cbx] - yuv[vB + ca]) * wcx;
      const cr = t + (u - t) * wcy - 128;
      let r = l + rv * cr, g = l - gu * cb - gv * cr, b = l + bu * cb;
      r = r < 0 ? 0 : r > 255 ? 255 : r;
      g = g < 0 ? 0 : g > 255 ? 255 : g;
      b = b < 0 ? 0 : b > 255 ? 255 : b;
      out[pr + o] = r * k - mr;
      out[pg + o] = g * k - mg;
      out[pb + o] = b * k - mb;
    }
  }
}
