/**
 * The pipeline's frame format: planar YUV 4:2:0 (I420, ffmpeg's yuv420p), BT.601 limited range.
 *
 * Frames stay in the decoder's own format from decode to encode (like DeepStream's NV12 surfaces
 * and Frigate's shared-memory I420 frames): ffmpeg converts nothing, the bytes moved through pipes
 * and Redis are half of RGB24's, overlays are drawn on luma per pixel and on chroma per 2x2 block,
 * and RGB exists only inside the model's input tensor.
 *
 * Layout: the Y plane (width x height), then U and V planes of ceil(width/2) x ceil(height/2)
 * each, rows packed without padding (what `-f rawvideo -pix_fmt yuv420p` reads and writes).
 */

/** Plane geometry of a width x height I420 frame. */
export interface Yuv420Layout {
  width: number;
  height: number;
  /** Chroma plane size: ceil(width/2) x ceil(height/2). */
  chromaWidth: number;
  chromaHeight: number;
  /** Byte offsets of the U and V planes (Y starts at 0). */
  uOffset: number;
  vOffset: number;
  /** Bytes of the whole frame. */
  size: number;
}

export function yuv420Layout(width: number, height: number): Yuv420Layout {
  const chromaWidth = (width + 1) >> 1;
  const chromaHeight = (height + 1) >> 1;
  const uOffset = width * height;
  const vOffset = uOffset + chromaWidth * chromaHeight;
  return { width, height, chromaWidth, chromaHeight, uOffset, vOffset, size: vOffset + chromaWidth * chromaHeight };
}

/** Bytes of a width x height I420 frame. */
export function yuv420Size(width: number, height: number): number {
  return yuv420Layout(width, height).size;
}

/** A black frame (Y 16, U and V 128). */
export function blackYuv420(width: number, height: number): Uint8Array {
  const L = yuv420Layout(width, height);
  const f = new Uint8Array(L.size);
  f.fill(16, 0, L.uOffset);
  f.fill(128, L.uOffset);
  return f;
}

/** A frame's pixels with their size. */
export interface Yuv420Image {
  /** I420 bytes, {@link yuv420Size} long. */
  yuv: Uint8Array;
  width: number;
  height: number;
}

export type Yuv = [number, number, number];
export type Rgb = [number, number, number];

// BT.601, limited range (Y 16..235, Cb/Cr 16..240), the matrix ffmpeg assumes for untagged video:
// R = KY(Y-16) + RV(V-128), G = KY(Y-16) - GU(U-128) - GV(V-128), B = KY(Y-16) + BU(U-128).
export const YUV_COEF = {
  ky: 255 / 219,
  rv: (255 / 224) * 1.402,
  gu: (255 / 224) * 1.772 * (0.114 / 0.587),
  gv: (255 / 224) * 1.402 * (0.299 / 0.587),
  bu: (255 / 224) * 1.772,
} as const;
const { ky: KY, rv: RV, gu: GU, gv: GV, bu: BU } = YUV_COEF;

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** The limited-range YUV of an RGB colour, rounded. */
export function rgbToYuv(c: Rgb): Yuv {
  const [r, g, b] = c;
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  return [
    clamp8(16 + (219 / 255) * y),
    clamp8(128 + (224 / 255) * ((b - y) / 1.772)),
    clamp8(128 + (224 / 255) * ((r - y) / 1.402)),
  ];
}

/** The RGB of a limited-range YUV triple, rounded and clamped. */
export function yuvToRgb(y: number, u: number, v: number): Rgb {
  const l = (y - 16) * KY, cb = u - 128, cr = v - 128;
  return [clamp8(l + RV * cr), clamp8(l - GU * cb - GV * cr), clamp8(l + BU * cb)];
}

/**
 * Packed RGB24 to I420 (chroma averaged over each 2x2 block). For synthetic frames and tests; the
 * pipeline itself never converts.
 */
export function rgbToYuv420(rgb: Uint8Array, width: number, height: number, out?: Uint8Array): Uint8Array {
  const L = yuv420Layout(width, height);
  const dst = out ?? new Uint8Array(L.size);
  for (let i = 0, n = width * height; i < n; i++) {
    const o = i * 3;
    dst[i] = clamp8(16 + (219 / 255) * (0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2]));
  }
  for (let cy = 0; cy < L.chromaHeight; cy++) {
    for (let cx = 0; cx < L.chromaWidth; cx++) {
      let r = 0, g = 0, b = 0, n = 0;
      for (let dy = 0; dy < 2; dy++) {
        const y = 2 * cy + dy;
        if (y >= height) break;
        for (let dx = 0; dx < 2; dx++) {
          const x = 2 * cx + dx;
          if (x >= width) break;
          const o = (y * width + x) * 3;
          r += rgb[o]; g += rgb[o + 1]; b += rgb[o + 2]; n++;
        }
      }
      const [, u, v] = rgbToYuv([r / n, g / n, b / n]);
      dst[L.uOffset + cy * L.chromaWidth + cx] = u;
      dst[L.vOffset + cy * L.chromaWidth + cx] = v;
    }
  }
  return dst;
}

/** I420 to packed RGB24 (each chroma sample used for its 2x2 block). For tests and previews. */
export function yuv420ToRgb(yuv: Uint8Array, width: number, height: number, out?: Uint8Array): Uint8Array {
  const L = yuv420Layout(width, height);
  const dst = out ?? new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const crow = (y >> 1) * L.chromaWidth;
    for (let x = 0; x < width; x++) {
      const c = crow + (x >> 1);
      const [r, g, b] = yuvToRgb(yuv[y * width + x], yuv[L.uOffset + c], yuv[L.vOffset + c]);
      const o = (y * width + x) * 3;
      dst[o] = r; dst[o + 1] = g; dst[o + 2] = b;
    }
  }
  return dst;
}
