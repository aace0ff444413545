/**
 * Exact frame-rate arithmetic for the encoder: the output rate is a rational chosen so that
 * frames / rate equals the source's span (last − first PTS) plus one frame, to the microsecond.
 */

export type Rational = [num: number, den: number];

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

export function reduce([n, d]: Rational): Rational {
  const g = gcd(n, d) || 1;
  return [n / g, d / g];
}

function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/**
 * The simplest fraction (smallest denominator) in the closed interval [a/b, c/d], 0 < a/b ≤ c/d.
 * Integers only; inputs up to ~1e13 stay exact.
 */
export function simplestBetween(a: number, b: number, c: number, d: number): Rational {
  const fl = floorDiv(a, b);
  if (fl * b === a) return [fl, 1];
  if (fl < floorDiv(c, d)) return [fl + 1, 1];
  // Same integer part: recurse on the reciprocals of the fractional parts (order flips).
  const [p, q] = simplestBetween(d, c - fl * d, b, a - fl * b);
  return [fl * p + q, p];
}

/** Best approximation of num/den with numerator and denominator ≤ max (continued fractions). */
export function limitRational(num: number, den: number, max: number): Rational {
  [num, den] = reduce([num, den]);
  if (num <= max && den <= max) return [num, den];
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let [n, d] = [num, den];
  while (d !== 0) {
    const a = floorDiv(n, d);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > max || k2 > max) {
      // Largest semiconvergent that fits, if closer than the last convergent.
      const x = Math.min(Math.floor((max - h0) / h1), k1 ? Math.floor((max - k0) / k1) : Infinity);
      const hs = x * h1 + h0;
      const ks = x * k1 + k0;
      const target = num / den;
      if (x > 0 && Math.abs(hs / ks - target) < Math.abs(h1 / k1 - target)) return [hs, ks];
      return [h1, k1];
    }
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    [n, d] = [d, n - a * d];
  }
  return [h1, k1];
}

/** Well-known rates, preferred when they fit the measured interval. */
const KNOWN: Rational[] = [
  [24000, 1001],
  [30000, 1001],
  [60000, 1001],
  [48000, 1001],
  [120000, 1001],
];

/** ffmpeg parses `-r` with av_parse_video_rate: numerator and denominator at most 1001000. */
export const FFMPEG_RATE_MAX = 1_001_000;

/**
 * The constant rate that places `frames` frames so the first is at 0 and the last at `spanUs`
 * (± `toleranceUs`, the PTS quantisation): a rational in [(frames−1)/(span+tol),
 * (frames−1)/(span−tol)] frames per second, the simplest one there (so 25, 25/2, 30000/1001
 * come out as such), within ffmpeg's limits.
 */
export function rateFromSpan(frames: number, spanUs: number, toleranceUs = 1): Rational {
  if (!(frames >= 2) || !(spanUs > 0)) throw new RangeError(`need ≥ 2 frames and a positive span`);
  const n = (frames - 1) * 1_000_000;
  const lo: Rational = [n, Math.round(spanUs) + toleranceUs];
  const hiDen = Math.round(spanUs) - toleranceUs;
  if (hiDen <= 0) return limitRational(n, Math.max(1, Math.round(spanUs)), FFMPEG_RATE_MAX);
  const hi: Rational = [n, hiDen];
  for (const k of KNOWN) {
    // lo ≤ k ≤ hi  ⇔  lo.n·k.d ≤ k.n·lo.d  and  k.n·hi.d ≤ hi.n·k.d
    if (lo[0] * k[1] <= k[0] * lo[1] && k[0] * hi[1] <= hi[0] * k[1]) return k;
  }
  const s = reduce(simplestBetween(lo[0], lo[1], hi[0], hi[1]));
  if (s[0] <= FFMPEG_RATE_MAX && s[1] <= FFMPEG_RATE_MAX) return s;
  return limitRational(n, Math.round(spanUs), FFMPEG_RATE_MAX);
}

/** A rational for a nominal rate given as a number (29.97) or string ("30000/1001", "25"). */
export function rateFromNominal(fps: number | string): Rational {
  const s = String(fps).trim();
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(s);
  if (!m) throw new RangeError(`invalid frame rate '${s}'`);
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (!(num > 0 && den > 0)) throw new RangeError(`invalid frame rate '${s}'`);
  const x = num / den;
  // 29.97 / 23.976 / 59.94 mean the NTSC rates.
  for (const k of KNOWN) if (Math.abs(k[0] / k[1] - x) < 0.0011) return k;
  const scale = 1_000_000;
  return limitRational(Math.round(x * scale), scale, FFMPEG_RATE_MAX);
}

export function rateToString([n, d]: Rational): string {
  return d === 1 ? String(n) : `${n}/${d}`;
}
