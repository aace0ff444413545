/**
 * Frame-by-frame generation: background, objects painted far to near (recording which object each
 * pixel shows), then global effects on the colour only — lighting drift (brightness, contrast,
 * white balance, a slowly turning light gradient), a blur of radius 1 px, sensor noise.
 *
 * Ground truth: an instance's mask is the set of pixels whose centre lies inside its shape and
 * inside no nearer object's shape (its visible part), taken before blur and noise. Instances with
 * fewer than `minVisibleArea` visible pixels are left out.
 */
import type { BoxXYXY } from '../core/types.js';
import { Background } from './background.js';
import { resolveSynthOptions, type SynthOptions } from './options.js';
import { Rng, STREAM_BACKGROUND, STREAM_LIGHTING, STREAM_NOISE, STREAM_SCENE } from './prng.js';
import { Scene } from './scene.js';
import { paintShape, poseBounds } from './shapes.js';

export interface SynthInstance {
  classId: number;
  /** Stable across frames for one object (a track id), starting at 1. */
  objectId: number;
  /** Visible mask, row-major, width * height bytes, 1 = set. */
  mask: Uint8Array;
  /** Bounds of the visible mask, [x1, y1, x2, y2] with exclusive x2/y2 (integers). */
  box: BoxXYXY;
  /** Number of set pixels in `mask`. */
  area: number;
  /** In-frame pixels of the whole shape, before occlusion (>= area). */
  fullArea: number;
}

export interface SynthFrame {
  seq: number;
  ptsMs: number;
  width: number;
  height: number;
  /** Packed RGB24, row-major. */
  rgb: Uint8Array;
  /** Near to far order is not implied; listed in ascending objectId. */
  instances: SynthInstance[];
}

/** Per-channel sensor noise relative to the shared (luminance) part. */
const CHROMA_NOISE = 0.35;

/** Global lighting and camera parameters of a clip. */
interface Camera {
  gainAmp: number; gainPeriod: number; gainPhase: number;
  contrastAmp: number; contrastPeriod: number; contrastPhase: number;
  wbAmp: number; wbPeriod: number; wbPhase: [number, number, number];
  gradAmp: number; gradSpin: number; gradPhase: number;
  blur: number;
  noise: number;
}

function makeCamera(rng: Rng, fps: number): Camera {
  // Periods of 6..20 s, in frames. Nothing depends on the clip's length, so a shorter clip is
  // exactly the start of a longer one with the same seed.
  const period = (): number => fps * rng.range(6, 20);
  return {
    gainAmp: rng.range(0.08, 0.22), gainPeriod: period(), gainPhase: rng.next() * 2 * Math.PI,
    contrastAmp: rng.range(0.05, 0.18), contrastPeriod: period(), contrastPhase: rng.next() * 2 * Math.PI,
    wbAmp: rng.range(0.01, 0.06), wbPeriod: period(),
    wbPhase: [rng.next() * 2 * Math.PI, rng.next() * 2 * Math.PI, rng.next() * 2 * Math.PI],
    gradAmp: rng.range(0.05, 0.25), gradSpin: (rng.sign() * rng.range(0.05, 0.3)) / fps, gradPhase: rng.next() * 2 * Math.PI,
    blur: rng.range(0.15, 0.7),
    noise: rng.range(1.5, 5),
  };
}

/**
 * Generates the clip's frames one at a time. Deterministic: the same options give the same
 * pixels and masks, byte for byte.
 */
export function* synthFrames(options: SynthOptions): Generator<SynthFrame> {
  const o = resolveSynthOptions(options);
  const W = o.width;
  const H = o.height;
  const N = W * H;
  const scene = new Scene(new Rng(o.seed, STREAM_SCENE), {
    width: W,
    height: H,
    fps: o.fps,
    minObjects: o.minObjects,
    maxObjects: o.maxObjects,
  });
  const bg = new Background(new Rng(o.seed, STREAM_BACKGROUND), W, H, o.fps);
  const cam = makeCamera(new Rng(o.seed, STREAM_LIGHTING), o.fps);
  const noiseRng = new Rng(o.seed, STREAM_NOISE);
  const noiseLut = gaussianTable(cam.noise);

  const img = new Float32Array(N * 3);
  const tmp = new Float32Array(N * 3);
  const labels = new Uint16Array(N);
  // Light gradient, recomputed per row/column per frame.
  const gx = new Float32Array(W);
  const gy = new Float32Array(H);

  for (let seq = 0; seq < o.frames; seq++) {
    if (seq > 0) scene.step();
    bg.render(seq, img);
    labels.fill(0);
    const order = scene.depthOrder();
    const fullAreas = new Array<number>(order.length);
    for (let k = 0; k < order.length; k++) {
      const ob = order[k];
      fullAreas[k] = paintShape(ob.shape, ob.radius, ob.look, ob.pose, img, labels, k + 1, W, H);
    }

    // Ground truth from the label map: the visible pixels of each object, then one allocation
    // holding this frame's pixels and every instance mask (views into it).
    const found: { k: number; area: number; bx0: number; by0: number; bx1: number; by1: number }[] = [];
    for (let k = 0; k < order.length; k++) {
      const ob = order[k];
      if (fullAreas[k] < o.minVisibleArea) continue;
      const [x0, y0, x1, y1] = poseBounds(ob.radius, ob.pose, W, H);
      const lv = k + 1;
      let area = 0;
      let bx0 = W, by0 = H, bx1 = -1, by1 = -1;
      for (let y = y0; y < y1; y++) {
        let idx = y * W + x0;
        for (let x = x0; x < x1; x++, idx++) {
          if (labels[idx] === lv) {
            area++;
            if (x < bx0) bx0 = x;
            if (x > bx1) bx1 = x;
            if (y < by0) by0 = y;
            if (y > by1) by1 = y;
          }
        }
      }
      if (area >= o.minVisibleArea) found.push({ k, area, bx0, by0, bx1, by1 });
    }
    const block = new Uint8Array(N * 3 + found.length * N);
    const rgb = block.subarray(0, N * 3);
    const instances: SynthInstance[] = [];
    found.forEach(({ k, area, bx0, by0, bx1, by1 }, i) => {
      const ob = order[k];
      const lv = k + 1;
      const mask = block.subarray(N * 3 + i * N, N * 3 + (i + 1) * N);
      for (let y = by0; y <= by1; y++) {
        let idx = y * W + bx0;
        for (let x = bx0; x <= bx1; x++, idx++) if (labels[idx] === lv) mask[idx] = 1;
      }
      instances.push({
        classId: ob.classId,
        objectId: ob.objectId,
        mask,
        box: [bx0, by0, bx1 + 1, by1 + 1],
        area,
        fullArea: fullAreas[k],
      });
    });
    instances.sort((a, b) => a.objectId - b.objectId);

    // Lighting: contrast about mid-grey, overall gain, white balance, a turning linear gradient.
    const t = seq;
    const gain = 1 + cam.gainAmp * Math.sin((2 * Math.PI * t) / cam.gainPeriod + cam.gainPhase);
    const contrast = 1 + cam.contrastAmp * Math.sin((2 * Math.PI * t) / cam.contrastPeriod + cam.contrastPhase);
    const wb = cam.wbPhase.map((ph) => gain * (1 + cam.wbAmp * Math.sin((2 * Math.PI * t) / cam.wbPeriod + ph)));
    const ga = cam.gradPhase + cam.gradSpin * t;
    const gcx = (cam.gradAmp * Math.cos(ga)) / W;
    const gcy = (cam.gradAmp * Math.sin(ga)) / H;
    for (let x = 0; x < W; x++) gx[x] = gcx * (x - W / 2);
    for (let y = 0; y < H; y++) gy[y] = 1 + gcy * (y - H / 2);
    const off = 128 * (1 - contrast);
    const [wr, wg, wbb] = wb;
    for (let y = 0, p = 0; y < H; y++) {
      const ry = gy[y];
      for (let x = 0; x < W; x++, p += 3) {
        const l = ry + gx[x];
        img[p] = (img[p] * contrast + off) * wr * l;
        img[p + 1] = (img[p + 1] * contrast + off) * wg * l;
        img[p + 2] = (img[p + 2] * contrast + off) * wbb * l;
      }
    }

    // Blur: mix of the image and its 3x3 box blur (edges clamped).
    boxBlur3(img, tmp, W, H);
    const beta = cam.blur;
    const keep = 1 - beta;

    // Sensor noise and quantisation: mostly luminance noise (one sample shared by the three
    // channels) plus a weaker per-channel part. An inline xorshift32, seeded per frame, gives the
    // four samples of a pixel (one byte each, through a 256-entry inverse-CDF table).
    let st = noiseRng.u32() | 1;
    for (let p = 0; p < N * 3; p += 3) {
      st ^= st << 13;
      st ^= st >>> 17;
      st ^= st << 5;
      const common = noiseLut[st & 0xff];
      for (let c = 0, r = st >>> 8; c < 3; c++, r >>>= 8) {
        const j = p + c;
        let v = img[j] * keep + tmp[j] * beta + common + CHROMA_NOISE * noiseLut[r & 0xff];
        v = v < 0 ? 0 : v > 255 ? 255 : v;
        rgb[j] = (v + 0.5) | 0;
      }
    }
    yield { seq, ptsMs: (seq * 1000) / o.fps, width: W, height: H, rgb, instances };
  }
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** 256 equiprobable Gaussian samples (quantiles at (i + 0.5) / 256) times `sigma`. */
function gaussianTable(sigma: number): Float32Array {
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const p = (i + 0.5) / 256;
    let lo = -6, hi = 6;
    for (let k = 0; k < 50; k++) {
      const mid = (lo + hi) / 2;
      if (normalCdf(mid) < p) lo = mid;
      else hi = mid;
    }
    lut[i] = sigma * ((lo + hi) / 2);
  }
  return lut;
}

/** 3x3 box blur of an RGB float image into `out` (borders clamped); `out` doubles as scratch. */
function boxBlur3(src: Float32Array, out: Float32Array, W: number, H: number): void {
  // Horizontal pass into out.
  const row = W * 3;
  for (let y = 0; y < H; y++) {
    const b = y * row;
    for (let x = 0; x < W; x++) {
      const l = x > 0 ? x - 1 : 0;
      const r = x < W - 1 ? x + 1 : W - 1;
      for (let c = 0; c < 3; c++) {
        out[b + x * 3 + c] = src[b + l * 3 + c] + src[b + x * 3 + c] + src[b + r * 3 + c];
      }
    }
  }
  // Vertical pass in place, carrying the previous row's original value.
  const prev = new Float32Array(row);
  for (let i = 0; i < row; i++) prev[i] = out[i];
  for (let y = 0; y < H; y++) {
    const b = y * row;
    const nb = y < H - 1 ? b + row : b;
    for (let i = 0; i < row; i++) {
      const cur = out[b + i];
      const s = prev[i] + cur + out[nb + i];
      prev[i] = cur;
      out[b + i] = s / 9;
    }
  }
}
