/**
 * Small deterministic PRNG (sfc32 seeded through splitmix32). Same seed and stream, same numbers,
 * on every machine: only 32-bit integer arithmetic (Math.imul, >>> 0) is involved.
 *
 * Independent streams (`new Rng(seed, STREAM_NOISE)`) keep parts of the generator from disturbing
 * each other: e.g. changing how sensor noise is drawn does not move any object.
 */

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Folds a non-negative safe integer seed (up to 2^53) and a stream id into one 32-bit value. */
export function hashSeed(seed: number, stream = 0): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = splitmix32(lo ^ 0x5eed5eed);
  h = splitmix32(h ^ hi);
  h = splitmix32(h ^ Math.imul(stream >>> 0, 0x27d4eb2f));
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    const h = hashSeed(seed, stream);
    this.a = splitmix32(h);
    this.b = splitmix32(this.a ^ 0x1b873593);
    this.c = splitmix32(this.b ^ 0xcc9e2d51);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** Next uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** +1 or -1. */
  sign(): number {
    return this.u32() & 1 ? 1 : -1;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /**
   * Approximately standard normal (Irwin–Hall of the four bytes of one draw, rescaled): cheap
   * enough for per-pixel sensor noise, bounded to about ±3.46.
   */
  gaussish(): number {
    const v = this.u32();
    const s = (v & 0xff) + ((v >>> 8) & 0xff) + ((v >>> 16) & 0xff) + (v >>> 24);
    // Mean 510, standard deviation sqrt(4 * (256^2 - 1) / 12) = 147.80.
    return (s - 510) * (1 / 147.8006);
  }
}

/** Stream ids: one independent PRNG stream per concern. */
export const STREAM_SCENE = 1;
export const STREAM_BACKGROUND = 2;
export const STREAM_LIGHTING = 3;
export const STREAM_NOISE = 4;
