/**
 * Where the first whole image file ends in bytes an encoder writes to a pipe one file after
 * another (`-f image2pipe`): each type says its own length, so no byte is searched for blindly.
 */
import { extname } from 'node:path';

/** Bytes of the first whole file of type `ext` (.jpg, .png, .bmp, .webp) in `buf`, 0 while it is incomplete. */
export function imageFileEnd(buf: Uint8Array, ext: string): number {
  switch (ext) {
    case '.jpg':
    case '.jpeg': return jpegEnd(buf);
    case '.png': return pngEnd(buf);
    case '.bmp': return buf.length >= 6 ? within(buf, u32le(buf, 2)) : 0;
    case '.webp': return buf.length >= 8 ? within(buf, u32le(buf, 4) + 8) : 0;
    default: throw new Error(`'${ext}' is not an image type we write`);
  }
}

export function imageFileEndFor(target: string): (buf: Uint8Array) => number {
  const ext = extname(target).toLowerCase();
  imageFileEnd(new Uint8Array(0), ext); // throws for a type we do not write
  return (buf) => imageFileEnd(buf, ext);
}

function within(buf: Uint8Array, n: number): number {
  return n > 0 && n <= buf.length ? n : 0;
}

/**
 * Segments by their lengths up to each scan; in entropy-coded data a 0xFF is followed by 0x00
 * (stuffing) or a restart marker, so the first other marker after a scan is the next segment or EOI.
 */
function jpegEnd(buf: Uint8Array): number {
  let p = 2;
  while (p + 2 <= buf.length) {
    if (buf[p] !== 0xff) return 0;
    const m = buf[p + 1];
    if (m === 0xff) { p++; continue; }
    if (m === 0xd9) return p + 2;
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { p += 2; continue; }
    if (p + 4 > buf.length) return 0;
    p += 2 + ((buf[p + 2] << 8) | buf[p + 3]);
    if (m !== 0xda) continue;
    // Entropy-coded data until the next marker that is not stuffing or a restart.
    for (;;) {
      const ff = buf.indexOf(0xff, p);
      if (ff < 0 || ff + 1 >= buf.length) return 0;
      const n = buf[ff + 1];
      if (n === 0x00 || (n >= 0xd0 && n <= 0xd7) || n === 0xff) { p = ff + 1; continue; }
      p = ff;
      break;
    }
  }
  return 0;
}

/** Signature, then chunks (length, type, data, CRC) up to IEND. */
function pngEnd(buf: Uint8Array): number {
  let p = 8;
  while (p + 8 <= buf.length) {
    const len = u32be(buf, p);
    const isEnd = buf[p + 4] === 0x49 && buf[p + 5] === 0x45 && buf[p + 6] === 0x4e && buf[p + 7] === 0x44;
    p += 12 + len;
    if (isEnd) return within(buf, p);
  }
  return 0;
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
}

function u32be(b: Uint8Array, at: number): number {
  return b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}
