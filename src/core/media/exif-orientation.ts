/**
 * The EXIF Orientation tag (0x0112) of a JPEG, read from its APP1 "Exif" segment: a small
 * reader of the JPEG marker chain and of the TIFF header and IFD0 inside it, nothing else.
 * Phones store photos as the sensor saw them and say in this tag how to turn them; ffmpeg's
 * image decoder ignores it, so the decoder adds the filter {@link orientationFilter} names.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** EXIF orientations 1..8 (1 = as stored). */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** JPEG headers with their EXIF block are in the first 64 KiB (APP1 is at most 64 KiB long). */
const HEAD_BYTES = 128 * 1024;

/** The Orientation of the JPEG bytes `buf`, 1 when there is none (or it is not a JPEG). */
export function exifOrientation(buf: Uint8Array): ExifOrientation {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return 1;
  let p = 2;
  while (p + 4 <= buf.length) {
    if (buf[p] !== 0xff) return 1;
    const marker = buf[p + 1];
    if (marker === 0xff) { p++; continue; } // fill byte
    // Start of scan or end of image: the headers are over.
    if (marker === 0xda || marker === 0xd9) return 1;
    // Markers without a length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { p += 2; continue; }
    const len = (buf[p + 2] << 8) | buf[p + 3];
    if (len < 2) return 1;
    const body = p + 4;
    if (marker === 0xe1 && len >= 8 && body + 6 <= buf.length && ascii(buf, body, 6) === 'Exif\0\0') {
      const o = tiffOrientation(buf, body + 6, Math.min(buf.length, p + 2 + len));
      if (o !== null) return o;
    }
    p += 2 + len;
  }
  return 1;
}

/** Reads the head of a regular file and returns its orientation (1 when unreadable, not a file or not a JPEG). */
export function fileExifOrientation(file: string): ExifOrientation {
  let fd: number | null = null;
  try {
    // A FIFO would block the open, and its bytes would be gone for ffmpeg once read here.
    if (!statSync(file).isFile()) return 1;
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return exifOrientation(buf.subarray(0, n));
  } catch {
    return 1;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * The ffmpeg filters that turn a stored image into its upright view, or null for 1.
 * transpose=1 is 90° clockwise, transpose=2 90° counter-clockwise, 0 and 3 add a flip.
 */
export function orientationFilter(o: ExifOrientation): string | null {
  switch (o) {
    case 1: return null;
    case 2: return 'hflip';
    case 3: return 'hflip,vflip';
    case 4: return 'vflip';
    case 5: return 'transpose=0,vflip'; // transpose (mirror over the main diagonal)
    case 6: return 'transpose=1';
    case 7: return 'transpose=3,vflip'; // transverse (mirror over the other diagonal)
    case 8: return 'transpose=2';
  }
}

function ascii(buf: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(buf[at + i]);
  return s;
}

/** Orientation from the TIFF block at [start, end), null when it has none. */
function tiffOrientation(buf: Uint8Array, start: number, end: number): ExifOrientation | null {
  if (start + 8 > end) return null;
  const order = ascii(buf, start, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const u16 = (at: number) => (le ? buf[at] | (buf[at + 1] << 8) : (buf[at] << 8) | buf[at + 1]);
  const u32 = (at: number) => (le
    ? (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16)) + buf[at + 3] * 0x1000000
    : buf[at] * 0x1000000 + ((buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]));
  if (u16(start + 2) !== 42) return null;
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return null;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > end) return null;
    if (u16(e) !== 0x0112) continue;
    // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
    const v = u16(e + 8);
    return v >= 1 && v <= 8 ? (v as ExifOrientation) : null;
  }
  return null;
}
