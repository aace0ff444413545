/** Test helper: writes small PNGs (grayscale or palette, any of the five row filters) with node's zlib. */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export interface PngOptions {
  /** 0 grayscale, 3 palette (the default palette maps index i to a colour unlike i), 2 RGB (for the error case). */
  colourType?: 0 | 2 | 3;
  bitDepth?: 1 | 2 | 4 | 8 | 16;
  /** Filter type of row y: filters[y % filters.length]. */
  filters?: number[];
  /** Split the image data into this many IDAT chunks. */
  idatChunks?: number;
}

/** A PNG of `values` (row-major, width*height samples; RGB: 3 per pixel). */
export function encodePng(width: number, height: number, values: ArrayLike<number>, opts: PngOptions = {}): Buffer {
  const colour = opts.colourType ?? 0, depth = opts.bitDepth ?? 8;
  const channels = colour === 2 ? 3 : 1;
  const stride = Math.ceil((width * channels * depth) / 8);
  const bpp = Math.max(1, (channels * depth) / 8);
  const rows: Uint8Array[] = [];
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0; x < width * channels; x++) {
      const v = values[y * width * channels + x];
      if (depth === 16) { row[2 * x] = v >> 8; row[2 * x + 1] = v & 255; }
      else if (depth === 8) row[x] = v;
      else row[Math.floor((x * depth) / 8)] |= v << (8 - depth * ((x % (8 / depth)) + 1));
    }
    rows.push(row);
  }
  const filters = opts.filters ?? [0];
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length], cur = rows[y], prev = y > 0 ? rows[y - 1] : new Uint8Array(stride);
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      raw[y * (stride + 1) + 1 + i] = (cur[i] - pred) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (colour === 3) {
    // Index i -> (255 - i, 7 * i, 100): nothing like i, so reading colours instead of indices fails.
    const plte = new Uint8Array(3 * 256);
    for (let i = 0; i < 256; i++) plte.set([255 - i, (7 * i) & 255, 100], 3 * i);
    parts.push(chunk('PLTE', plte.subarray(0, 3 * Math.min(256, 1 << depth))));
  }
  const z = deflateSync(raw);
  const k = opts.idatChunks ?? 1, step = Math.ceil(z.length / k);
  for (let i = 0; i < z.length; i += step) parts.push(chunk('IDAT', z.subarray(i, i + step)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
