/**
 * The coded size of a JPEG from its first bytes, without decoding it: what a long-lived still
 * decoder (still-decoder.ts) needs to know before it is handed the file, since one ffmpeg process
 * decodes stills of one size only. Anything else is null here and goes the per-file way: PNGs
 * too, since the bundled ffmpeg's PNG decoder gets every PNG after the first wrong when one
 * process decodes several (we checked: the second decode of the same file differs). A JPEG that
 * defines no Huffman table of its own is left out as well: the decoder keeps tables from one
 * frame to the next, so in a long-lived process it would get the previous photo's instead of the
 * standard ones a decoder of its own starts with.
 */

export interface JpegSize {
  /** Size as stored (before any EXIF orientation). */
  width: number;
  height: number;
}

/** SOF0..SOF15 without DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * The frame size of the JPEG bytes `buf` (up to its first scan), or null: not a JPEG, no frame
 * header before the scan, or no Huffman table of its own.
 */
export function jpegSize(buf: Uint8Array): JpegSize | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let size: JpegSize | null = null;
  let tables = false;
  let p = 2;
  while (p + 4 <= buf.length) {
    if (buf[p] !== 0xff) return null;
    const marker = buf[p + 1];
    if (marker === 0xff) { p++; continue; } // fill byte
    if (marker === 0xda) return tables ? size : null; // the first scan: the headers are over
    if (marker === 0xd9) return null;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { p += 2; continue; }
    const len = (buf[p + 2] << 8) | buf[p + 3];
    if (len < 2) return null;
    if (marker === 0xc4) tables = true;
    else if (isSof(marker)) {
      if (p + 9 > buf.length) return null;
      const height = (buf[p + 5] << 8) | buf[p + 6];
      const width = (buf[p + 7] << 8) | buf[p + 8];
      // Height 0 is "given later by a DNL marker": only ffmpeg's decode can tell the size.
      if (width === 0 || height === 0) return null;
      size = { width, height };
    }
    p += 2 + len;
  }
  return null;
}
