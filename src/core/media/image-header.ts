/**
 * The coded size of a JPEG or PNG from its first bytes, without decoding it: what a long-lived
 * still decoder (still-decoder.ts) needs to know before it is handed the file, since one ffmpeg
 * process decodes stills of one size only. Anything else (BMP, WebP, a file that is not what its
 * name says) is null here and goes the per-file way.
 */

export interface ImageHeader {
  /** The ffmpeg decoder that reads it. */
  codec: 'mjpeg' | 'png';
  /** Size as stored (before any EXIF orientation). */
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** SOF0..SOF15 without DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** The header of the JPEG or PNG bytes `buf` (its head is enough), or null. */
export function imageHeader(buf: Uint8Array): ImageHeader | null {
  if (buf.length >= 24 && PNG_SIGNATURE.every((b, i) => buf[i] === b)) {
    // IHDR is the first chunk: length 13, "IHDR", width, height (big-endian).
    if (buf[12] !== 0x49 || buf[13] !== 0x48 || buf[14] !== 0x44 || buf[15] !== 0x52) return null;
    const width = u32be(buf, 16);
    const height = u32be(buf, 20);
    return width > 0 && height > 0 ? { codec: 'png', width, height } : null;
  }
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= buf.length) {
    if (buf[p] !== 0xff) return null;
    const marker = buf[p + 1];
    if (marker === 0xff) { p++; continue; } // fill byte
    if (marker === 0xda || marker === 0xd9) return null; // scan or end before any frame header
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { p += 2; continue; }
    const len = (buf[p + 2] << 8) | buf[p + 3];
    if (len < 2) return null;
    if (isSof(marker)) {
      if (p + 9 > buf.length) return null;
      const height = (buf[p + 5] << 8) | buf[p + 6];
      const width = (buf[p + 7] << 8) | buf[p + 8];
      // Height 0 is "given later by a DNL marker": only ffmpeg's decode can tell the size.
      return width > 0 && height > 0 ? { codec: 'mjpeg', width, height } : null;
    }
    p += 2 + len;
  }
  return null;
}

function u32be(b: Uint8Array, at: number): number {
  return b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}
