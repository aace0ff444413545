/**
 * Resize, letterbox and pad arithmetic, and packing RGB24 frames into CHW float tensors.
 */

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

/** Where and how an RGB24 frame is written into a planar CHW float tensor. */
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
  /** Multiplies the 0..255 byte values (1/255 for 0..1 models, 1 for 0..255 models). */
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
 * Bilinear-resizes packed RGB24 (`srcW` x `srcH`) to `layout.resized*` and writes it as planar CHW
 * float32 at `layout.offset*` inside `out` (3 * tensorH * tensorW), value = byte * scale - mean,
 * padding elsewhere. Sampling is at pixel centres, align_corners=False, edge-clamped, no antialias
 * (F.interpolate bilinear / cv2.INTER_LINEAR). When the resized size equals the source size it is a
 * straight conversion.
 */
export function rgbToChwFloat(
  rgb: Uint8Array,
  srcW: number,
  srcH: number,
  layout: TensorLayout,
  out: Float32Array,
): void {
  const { tensorW: tw, tensorH: th, resizedW: rw, resizedH: rh, offsetX: ox, offsetY: oy } = layout;
  if (rgb.length < srcW * srcH * 3) throw new RangeError('rgbToChwFloat: rgb buffer too small');
  if (out.length < 3 * tw * th) throw new RangeError('rgbToChwFloat: out tensor too small');
  if (ox < 0 || oy < 0 || ox + rw > tw || oy + rh > th || rw <= 0 || rh <= 0) {
    throw new RangeError('rgbToChwFloat: resized image does not fit the tensor');
  }
  fillPadding(out, layout);
  const plane = tw * th;
  const bgr = layout.channelOrder === 'bgr';
  // Byte offset within a pixel feeding tensor planes 0, 1, 2.
  const s0 = bgr ? 2 : 0, s2 = bgr ? 0 : 2;
  const k = layout.scale;
  const [m0, m1, m2] = layout.mean;

  if (rw === srcW && rh === srcH) {
    // One table lookup per byte instead of a multiply-subtract: the 720p frame is 2.7 M bytes.
    const l0 = new Float32Array(256), l1 = new Float32Array(256), l2 = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      l0[v] = v * k - m0;
      l1[v] = v * k - m1;
      l2[v] = v * k - m2;
    }
    for (let y = 0; y < rh; y++) {
      let o = (oy + y) * tw + ox;
      let i = y * srcW * 3;
      for (let x = 0; x < rw; x++, o++, i += 3) {
        out[o] = l0[rgb[i + s0]];
        out[o + plane] = l1[rgb[i + 1]];
        out[o + 2 * plane] = l2[rgb[i + s2]];
      }
    }
    return;
  }

  // Per-column taps: byte offsets of the two source pixels and the weight of the right one.
  const xa = new Int32Array(rw), xb = new Int32Array(rw), wx = new Float32Array(rw);
  const sxScale = srcW / rw;
  for (let x = 0; x < rw; x++) {
    const s = Math.max(0, (x + 0.5) * sxScale - 0.5);
    const x0 = Math.min(Math.floor(s), srcW - 1);
    xa[x] = x0 * 3;
    xb[x] = Math.min(x0 + 1, srcW - 1) * 3;
    wx[x] = Math.min(1, s - x0);
  }
  const syScale = srcH / rh;
  const stride = srcW * 3;
  for (let y = 0; y < rh; y++) {
    const s = Math.max(0, (y + 0.5) * syScale - 0.5);
    const y0 = Math.min(Math.floor(s), srcH - 1);
    const rowA = y0 * stride;
    const rowB = Math.min(y0 + 1, srcH - 1) * stride;
    const wy = Math.min(1, s - y0);
    let o = (oy + y) * tw + ox;
    for (let x = 0; x < rw; x++, o++) {
      const a = rowA + xa[x], b = rowA + xb[x], c = rowB + xa[x], d = rowB + xb[x];
      const w = wx[x];
      let t = rgb[a + s0] + (rgb[b + s0] - rgb[a + s0]) * w;
      let u = rgb[c + s0] + (rgb[d + s0] - rgb[c + s0]) * w;
      out[o] = (t + (u - t) * wy) * k - m0;
      t = rgb[a + 1] + (rgb[b + 1] - rgb[a + 1]) * w;
      u = rgb[c + 1] + (rgb[d + 1] - rgb[c + 1]) * w;
      out[o + plane] = (t + (u - t) * wy) * k - m1;
      t = rgb[a + s2] + (rgb[b + s2] - rgb[a + s2]) * w;
      u = rgb[c + s2] + (rgb[d + s2] - rgb[c + s2]) * w;
      out[o + 2 * plane] = (t + (u - t) * wy) * k - m2;
    }
  }
}
