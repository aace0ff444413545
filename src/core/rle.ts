/**
 * COCO run-length encoding, byte-compatible with pycocotools: runs over the mask in column-major
 * (Fortran) order, the first run counts zeros (so it is 0 when the first pixel is set).
 *
 * Masks outside this module are row-major `Uint8Array`s (nonzero = 1), `width * height` long.
 */
import type { BoxXYXY, Rle } from './types.js';

/** Integer pixel span [start, end) covering the float interval [lo, hi), clipped to [0, limit). */
function coveredSpan(lo: number, hi: number, limit: number): [number, number] {
  const start = Math.max(0, Math.min(limit, Math.floor(lo)));
  const end = Math.max(start, Math.min(limit, Math.ceil(hi)));
  return [start, end];
}

/**
 * Builds COCO RLE counts from pixels given in column-major order, as runs of zeros (counted
 * arithmetically) and single bits. The first run counts zeros by definition.
 */
export class RleBuilder {
  private readonly counts: number[] = [];
  private value = 0;
  private run = 0;

  constructor(private readonly width: number, private readonly height: number) {}

  /** Appends `n` zero pixels. */
  zeros(n: number): void {
    if (n <= 0) return;
    if (this.value !== 0) {
      this.counts.push(this.run);
      this.run = 0;
      this.value = 0;
    }
    this.run += n;
  }

  /** Appends one pixel. */
  bit(v: 0 | 1): void {
    if (v !== this.value) {
      this.counts.push(this.run);
      this.run = 0;
      this.value = v;
    }
    this.run++;
  }

  finish(): Rle {
    this.counts.push(this.run);
    return { size: [this.height, this.width], counts: this.counts };
  }
}

/** An all-zero mask. */
export function emptyRle(width: number, height: number): Rle {
  return { size: [height, width], counts: [width * height] };
}

/**
 * Encodes a row-major binary mask as COCO RLE (pycocotools `mask.encode` of the same mask).
 *
 * @param roi optional box outside which the mask is known to be all zero: those pixels are not
 *   read, their zero runs are counted arithmetically. The result is identical to encoding without
 *   it (as long as the promise holds). Covers every pixel the box touches (floor/ceil).
 */
export function encodeRle(mask: Uint8Array, width: number, height: number, roi?: BoxXYXY): Rle {
  const area = width * height;
  if (mask.length < area) throw new RangeError(`encodeRle: mask has ${mask.length} bytes, need ${area}`);
  let x0 = 0, x1 = width, y0 = 0, y1 = height;
  if (roi) {
    [x0, x1] = coveredSpan(roi[0], roi[2], width);
    [y0, y1] = coveredSpan(roi[1], roi[3], height);
    if (x0 === x1 || y0 === y1) return emptyRle(width, height);
  }
  const out = new RleBuilder(width, height);
  out.zeros(x0 * height);
  for (let x = x0; x < x1; x++) {
    out.zeros(y0);
    for (let y = y0, idx = y0 * width + x; y < y1; y++, idx += width) out.bit(mask[idx] !== 0 ? 1 : 0);
    out.zeros(height - y1);
  }
  out.zeros((width - x1) * height);
  return out.finish();
}

/**
 * Writes 1 at every set pixel of `rle` into the row-major `out` and leaves all other bytes as they
 * are (the caller keeps `out` zeroed, e.g. by clearing only the mask's bbox after use).
 */
export function decodeRleOnes(rle: Rle, out: Uint8Array): void {
  const [h, w] = rle.size;
  if (out.length < h * w) throw new RangeError(`decodeRle: out has ${out.length} bytes, need ${h * w}`);
  const counts = rle.counts;
  let pos = 0; // column-major position
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if ((i & 1) === 1 && n > 0) {
      let x = Math.floor(pos / h);
      let y = pos - x * h;
      let left = n;
      while (left > 0) {
        const k = Math.min(left, h - y);
        let idx = y * w + x;
        for (let j = 0; j < k; j++, idx += w) out[idx] = 1;
        left -= k;
        x++;
        y = 0;
      }
    }
    pos += n;
  }
}

/**
 * Decodes COCO RLE into a row-major binary mask (1 = set). `out`, when given, is zero-filled and
 * reused (must hold h*w bytes); otherwise a new array is allocated.
 */
export function decodeRle(rle: Rle, out?: Uint8Array): Uint8Array {
  const [h, w] = rle.size;
  const mask = out ?? new Uint8Array(h * w);
  if (out) out.fill(0, 0, h * w);
  decodeRleOnes(rle, mask);
  return mask;
}

/** Number of set pixels. */
export function rleArea(rle: Rle): number {
  let a = 0;
  for (let i = 1; i < rle.counts.length; i += 2) a += rle.counts[i];
  return a;
}

/**
 * Bounding box as COCO [x, y, w, h] in integer pixels, exactly like pycocotools `toBbox`
 * ([0, 0, 0, 0] for an empty mask).
 */
export function rleToBbox(rle: Rle): [number, number, number, number] {
  const [h, w] = rle.size;
  const cnts = rle.counts;
  const m = cnts.length - (cnts.length % 2);
  if (m === 0) return [0, 0, 0, 0];
  let xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
  for (let j = 0; j < m; j++) {
    cc += cnts[j];
    // Even j: position of a run's first set pixel; odd j: its last one.
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      // The run wraps a column, so it spans every row.
      ys = 0;
      ye = h - 1;
    }
    if (x < xs) xs = x;
    if (x > xe) xe = x;
    if (y < ys) ys = y;
    if (y > ye) ye = y;
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/**
 * IoU of two RLEs of the same size, walking both run lists (no decode), like pycocotools `iou`.
 * With `iscrowd` the denominator is the area of `a` (the detection), as COCO eval does for crowd
 * ground truth. Returns 0 when the intersection is empty. Throws when the sizes differ.
 */
export function rleIou(a: Rle, b: Rle, iscrowd = false): number {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new RangeError(`rleIou: sizes differ (${a.size} vs ${b.size})`);
  }
  const ac = a.counts, bc = b.counts;
  const ka = ac.length, kb = bc.length;
  if (ka === 0 || kb === 0) return 0;
  let ca = ac[0], cb = bc[0];
  let ia = 1, ib = 1;
  let va = false, vb = false;
  let inter = 0, union = 0;
  for (;;) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      union += c;
      if (va && vb) inter += c;
    }
    ca -= c;
    cb -= c;
    let advanced = false;
    if (ca === 0 && ia < ka) {
      ca = ac[ia++];
      va = !va;
      advanced = true;
    }
    if (cb === 0 && ib < kb) {
      cb = bc[ib++];
      vb = !vb;
      advanced = true;
    }
    // Nothing consumed and no run left to open: both lists are spent (or malformed: stop anyway).
    if (c === 0 && !advanced) break;
  }
  if (inter === 0) return 0;
  return inter / (iscrowd ? rleArea(a) : union);
}

/**
 * pycocotools' compressed counts string (`rleToString`): each count (minus the count two places
 * back, for i > 2) as little-endian 5-bit groups with a continuation bit (0x20) and sign in the
 * last group (0x10), each group + 48 as one ASCII char.
 */
export function rleCountsToString(counts: number[]): string {
  const chars: number[] = [];
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      // Floor division keeps the arithmetic shift exact beyond 32 bits.
      x = Math.floor(x / 32);
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      chars.push(c + 48);
    }
    // Flush in chunks: spreading a huge array into fromCharCode overflows the stack.
    if (chars.length >= 8192) {
      out += String.fromCharCode(...chars);
      chars.length = 0;
    }
  }
  return out + String.fromCharCode(...chars);
}

/** Inverse of {@link rleCountsToString} (pycocotools `rleFrString`). Throws on malformed input. */
export function rleCountsFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new SyntaxError('rleCountsFromString: truncated string');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new SyntaxError(`rleCountsFromString: bad char at ${p}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x -= 2 ** (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}
