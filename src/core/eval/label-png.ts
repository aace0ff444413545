/**
 * Decodes a PNG label map: one 8-bit (or 1/2/4-bit) grayscale or palette image whose sample value
 * is the class id. In process, with node's zlib (IHDR, IDAT inflate, unfilter), rather than through
 * ffmpeg: a palette PNG's pixels must be read as the palette indices, and ffmpeg turns pal8 into
 * colours (`-pix_fmt gray` would give the palette colours' luma, not the ids); it would also be one
 * process per frame. The palette itself is not needed: index = class id. Anything else (RGB, alpha,
 * 16-bit, interlaced) is refused with a message saying what the file is.
 */
import { inflateSync } from 'node:zlib';

export interface LabelImage {
  width: number;
  height: number;
  /** Row-major class ids, width * height. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOUR_TYPES: Record<number, string> = { 0: 'grayscale', 2: 'RGB', 3: 'palette', 4: 'grayscale+alpha', 6: 'RGBA' };

/** An input that is not a usable label PNG; the message is one line, without the file name. */
export class LabelPngError extends Error {}

/** True when `buf` starts with the PNG signature. */
export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && SIGNATURE.every((b, i) => buf[i] === b);
}

/** Decodes into `out` when it has room for width * height labels (reused across frames), else into a new array. */
export function decodeLabelPng(buf: Uint8Array, out?: Uint8Array): LabelImage {
  if (!isPng(buf)) throw new LabelPngError('not a PNG file');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let width = 0, height = 0, depth = 0, colour = -1, interlace = 0;
  const idat: Uint8Array[] = [];
  for (let p = 8; p + 8 <= buf.length; ) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(buf[p + 4], buf[p + 5], buf[p + 6], buf[p + 7]);
    const body = p + 8;
    if (body + len + 4 > buf.length) throw new LabelPngError(`truncated PNG (${type} chunk runs past the end)`);
    if (type === 'IHDR') {
      width = view.getUint32(body);
      height = view.getUint32(body + 4);
      depth = buf[body + 8];
      colour = buf[body + 9];
      interlace = buf[body + 12];
    } else if (type === 'IDAT') idat.push(buf.subarray(body, body + len));
    else if (type === 'IEND') break;
    p = body + len + 4; // + CRC
  }
  if (colour < 0) throw new LabelPngError('PNG without an IHDR chunk');
  if (colour !== 0 && colour !== 3) {
    throw new LabelPngError(`a label map must be a single-channel (grayscale or palette) PNG, this one is ${COLOUR_TYPES[colour] ?? `colour type ${colour}`}`);
  }
  if (depth > 8) throw new LabelPngError(`a label map must be 8-bit or less, this PNG is ${depth}-bit`);
  if (interlace !== 0) throw new LabelPngError('interlaced (Adam7) PNGs are not supported as label maps');
  if (width === 0 || height === 0) throw new LabelPngError('PNG of size 0');
  let raw: Uint8Array;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat));
  } catch (err) {
    throw new LabelPngError(`corrupt PNG image data (${(err as Error).message})`);
  }
  const stride = Math.ceil((width * depth) / 8);
  if (raw.length < (stride + 1) * height) throw new LabelPngError(`PNG image data too short for ${width}x${height}`);
  unfilter(raw, stride, height);
  const n = width * height;
  const data = out && out.length >= n ? out.subarray(0, n) : new Uint8Array(n);
  if (depth === 8) {
    for (let y = 0; y < height; y++) data.set(raw.subarray(y * (stride + 1) + 1, y * (stride + 1) + 1 + width), y * width);
  } else {
    const perByte = 8 / depth, mask = (1 << depth) - 1;
    for (let y = 0; y < height; y++) {
      const row = y * (stride + 1) + 1;
      for (let x = 0; x < width; x++) {
        const shift = 8 - depth * ((x % perByte) + 1);
        data[y * width + x] = (raw[row + Math.floor(x / perByte)] >> shift) & mask;
      }
    }
  }
  return { width, height, data };
}

/** Undoes the per-row filters in place (one byte per pixel step: every label PNG has bpp <= 1 byte). */
function unfilter(raw: Uint8Array, stride: number, height: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1), cur = row + 1, prev = row - stride; // prev: the previous row's first byte
    const filter = raw[row];
    const hasPrev = y > 0;
    switch (filter) {
      case 0:
        break;
      case 1: // Sub
        for (let i = 1; i < stride; i++) raw[cur + i] = (raw[cur + i] + raw[cur + i - 1]) & 255;
        break;
      case 2: // Up
        if (hasPrev) for (let i = 0; i < stride; i++) raw[cur + i] = (raw[cur + i] + raw[prev + i]) & 255;
        break;
      case 3: // Average
        for (let i = 0; i < stride; i++) {
          const left = i > 0 ? raw[cur + i - 1] : 0, up = hasPrev ? raw[prev + i] : 0;
          raw[cur + i] = (raw[cur + i] + ((left + up) >> 1)) & 255;
        }
        break;
      case 4: // Paeth
        for (let i = 0; i < stride; i++) {
          const a = i > 0 ? raw[cur + i - 1] : 0, b = hasPrev ? raw[prev + i] : 0, c = i > 0 && hasPrev ? raw[prev + i - 1] : 0;
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          raw[cur + i] = (raw[cur + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new LabelPngError(`corrupt PNG (row ${y} has filter type ${filter})`);
    }
  }
}
