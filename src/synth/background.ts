/**
 * Textured, moving backgrounds. Two periodic tiles are built once per clip and scrolled at
 * different speeds every frame (parallax):
 *  - a colour layer: multi-octave value noise mapped through a low-saturation three-colour palette,
 *    plus soft Gaussian blobs of a few sizes;
 *  - a luminance layer: soft stripes (a plane wave that fits the tile) modulated by noise.
 * Low saturation keeps the background apart from the saturated objects without making it flat.
 */
import { hsvToRgb } from './color.js';
import type { Rng } from './prng.js';

/** Periodic value noise on a tile of tw x th with lattice cell `cell` (tw, th multiples of it), values 0..1. */
function valueNoise(rng: Rng, tw: number, th: number, cell: number, out: Float32Array, weight: number): void {
  const nx = tw / cell;
  const ny = th / cell;
  const lattice = new Float32Array(nx * ny);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
  for (let y = 0; y < th; y++) {
    const gy = y / cell;
    const iy = Math.floor(gy);
    let fy = gy - iy;
    fy = fy * fy * (3 - 2 * fy);
    const r0 = (iy % ny) * nx;
    const r1 = ((iy + 1) % ny) * nx;
    for (let x = 0; x < tw; x++) {
      const gx = x / cell;
      const ix = Math.floor(gx);
      let fx = gx - ix;
      fx = fx * fx * (3 - 2 * fx);
      const c0 = ix % nx;
      const c1 = (ix + 1) % nx;
      const a = lattice[r0 + c0] + (lattice[r0 + c1] - lattice[r0 + c0]) * fx;
      const b = lattice[r1 + c0] + (lattice[r1 + c1] - lattice[r1 + c0]) * fx;
      out[y * tw + x] += weight * (a + (b - a) * fy);
    }
  }
}

/** Multi-octave value noise normalised to 0..1 over the tile. */
function fbm(rng: Rng, tw: number, th: number, bigCell: number, octaves: number, gain: number): Float32Array {
  const out = new Float32Array(tw * th);
  let cell = bigCell;
  let w = 1;
  for (let o = 0; o < octaves && cell >= 2; o++) {
    valueNoise(rng, tw, th, cell, out, w);
    cell /= 2;
    w *= gain;
  }
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < out.length; i++) {
    if (out[i] < lo) lo = out[i];
    if (out[i] > hi) hi = out[i];
  }
  const k = hi > lo ? 1 / (hi - lo) : 0;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - lo) * k;
  return out;
}

export class Background {
  readonly tw: number;
  readonly th: number;
  /** Colour layer, RGB floats 0..255. */
  private readonly colorTile: Float32Array;
  /** Luminance layer, additive offsets (about ±stripeAmp). */
  private readonly lumTile: Float32Array;
  /** Scroll velocities in px/frame of the two layers. */
  private readonly v1: [number, number];
  private readonly v2: [number, number];
  private readonly o1: [number, number];
  private readonly o2: [number, number];

  constructor(
    rng: Rng,
    private readonly width: number,
    private readonly height: number,
    fps: number,
  ) {
    // Largest noise cell ~ a quarter of the frame height, a power of two; tile a multiple of it.
    const big = Math.max(8, 2 ** Math.round(Math.log2(height / 4)));
    this.tw = Math.ceil(width / big) * big + big;
    this.th = Math.ceil(height / big) * big + big;
    const n = this.tw * this.th;

    // Palette: three low-saturation colours of varied brightness.
    const hue = rng.next();
    const pal = [0, 1, 2].map((i) =>
      hsvToRgb(hue + rng.range(-0.15, 0.15) + i * rng.range(0, 0.3), rng.range(0.05, 0.3), rng.range(0.22, 0.78)),
    );
    const n1 = fbm(rng, this.tw, this.th, big, 4, rng.range(0.45, 0.65));
    const n2 = fbm(rng, this.tw, this.th, big, 3, 0.5);
    this.colorTile = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const t = n1[i];
      const m = n2[i];
      for (let c = 0; c < 3; c++) {
        const a = pal[0][c] + (pal[1][c] - pal[0][c]) * t;
        this.colorTile[i * 3 + c] = a + (pal[2][c] - a) * m * 0.7;
      }
    }
    // Soft blobs (Gaussian, so they never look like the hard-edged objects), wrapped on the tile.
    const blobs = rng.int(0, 14);
    for (let k = 0; k < blobs; k++) {
      const bx = rng.next() * this.tw;
      const by = rng.next() * this.th;
      const sigma = height * rng.range(0.03, 0.15);
      const col = hsvToRgb(rng.next(), rng.range(0.05, 0.35), rng.range(0.2, 0.85));
      const strength = rng.range(0.25, 0.6);
      const r = Math.ceil(sigma * 3);
      const inv = 1 / (2 * sigma * sigma);
      for (let dy = -r; dy <= r; dy++) {
        const y = (((Math.floor(by) + dy) % this.th) + this.th) % this.th;
        for (let dx = -r; dx <= r; dx++) {
          const x = (((Math.floor(bx) + dx) % this.tw) + this.tw) % this.tw;
          const w = strength * Math.exp(-(dx * dx + dy * dy) * inv);
          const o = (y * this.tw + x) * 3;
          for (let c = 0; c < 3; c++) this.colorTile[o + c] += (col[c] - this.colorTile[o + c]) * w;
        }
      }
    }
    // Stripes: a plane wave with whole periods across the tile, smoothed toward a square wave.
    this.lumTile = new Float32Array(n);
    const stripeAmp = rng.chance(0.75) ? rng.range(8, 30) : 0;
    const mx = rng.int(1, 8) * rng.sign();
    const my = rng.int(0, 8);
    const sharp = rng.range(1, 4);
    const mod = fbm(rng, this.tw, this.th, big, 2, 0.5);
    const grain = fbm(rng, this.tw, this.th, Math.max(2, big / 16), 2, 0.6);
    const grainAmp = rng.range(3, 12);
    for (let y = 0; y < this.th; y++) {
      for (let x = 0; x < this.tw; x++) {
        const i = y * this.tw + x;
        const ph = 2 * Math.PI * ((mx * x) / this.tw + (my * y) / this.th);
        const s = Math.tanh(sharp * Math.sin(ph)) / Math.tanh(sharp);
        this.lumTile[i] = stripeAmp * s * (0.3 + 0.7 * mod[i]) + grainAmp * (grain[i] - 0.5) * 2;
      }
    }
    // Slow scrolls: up to ~2% / ~5% of the frame height per second.
    const sp1 = (height * rng.range(0.0, 0.04)) / fps;
    const sp2 = (height * rng.range(0.01, 0.08)) / fps;
    const a1 = rng.next() * 2 * Math.PI;
    const a2 = rng.next() * 2 * Math.PI;
    this.v1 = [sp1 * Math.cos(a1), sp1 * Math.sin(a1)];
    this.v2 = [sp2 * Math.cos(a2), sp2 * Math.sin(a2)];
    this.o1 = [rng.next() * this.tw, rng.next() * this.th];
    this.o2 = [rng.next() * this.tw, rng.next() * this.th];
  }

  /** Writes frame `t`'s background into `rgb` (RGB floats, width x height). */
  render(t: number, rgb: Float32Array): void {
    const { tw, th, width, height } = this;
    const wrap = (v: number, m: number): number => ((Math.floor(v) % m) + m) % m;
    const ox1 = wrap(this.o1[0] + this.v1[0] * t, tw);
    const oy1 = wrap(this.o1[1] + this.v1[1] * t, th);
    const ox2 = wrap(this.o2[0] + this.v2[0] * t, tw);
    const oy2 = wrap(this.o2[1] + this.v2[1] * t, th);
    const ct = this.colorTile;
    const lt = this.lumTile;
    for (let y = 0; y < height; y++) {
      let y1 = y + oy1;
      if (y1 >= th) y1 -= th;
      let y2 = y + oy2;
      if (y2 >= th) y2 -= th;
      const r1 = y1 * tw;
      const r2 = y2 * tw;
      let x1 = ox1;
      let x2 = ox2;
      let o = y * width * 3;
      for (let x = 0; x < width; x++, o += 3) {
        const c = (r1 + x1) * 3;
        const l = lt[r2 + x2];
        rgb[o] = ct[c] + l;
        rgb[o + 1] = ct[c + 1] + l;
        rgb[o + 2] = ct[c + 2] + l;
        if (++x1 === tw) x1 = 0;
        if (++x2 === tw) x2 = 0;
      }
    }
  }
}
