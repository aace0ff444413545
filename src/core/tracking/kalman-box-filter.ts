/**
 * Constant-velocity Kalman filter on a box, ByteTrack's model: state (cx, cy, a, h, vcx, vcy, va,
 * vh) with a = w / h, the box (cx, cy, a, h) observed directly, noise proportional to the box
 * height. Written out on plain Float64Arrays (8-vector, 8x8 row-major covariance).
 *
 * Time-aware where ByteTrack counts frames: velocities are per second, `predict` takes the elapsed
 * seconds, and the process noise grows linearly with them, so the filter behaves the same whether
 * a clip is sampled at 30 or 10 fps. Per frame at `referenceFps` the numbers are ByteTrack's.
 */
import type { BoxXYXY } from '../types.js';

export interface KalmanBoxFilterOptions {
  /** Position noise per reference frame, relative to the box height. @defaultValue 1/20 (ByteTrack) */
  stdWeightPosition?: number;
  /** Velocity noise per reference frame (per-frame velocity), relative to the box height. @defaultValue 1/160 (ByteTrack) */
  stdWeightVelocity?: number;
  /** The frame rate ByteTrack's per-frame constants stand for. @defaultValue 30 */
  referenceFps?: number;
}

/** What a filter is, as plain numbers (for snapshots). */
export interface KalmanBoxState {
  mean: number[];
  covariance: number[];
}

const N = 8;

export class KalmanBoxFilter {
  readonly mean = new Float64Array(N);
  readonly covariance = new Float64Array(N * N);
  private readonly wp: number;
  private readonly wv: number;
  private readonly fps: number;

  /** Starts a filter at `box` with zero velocity and ByteTrack's initial uncertainty. */
  constructor(box: BoxXYXY, options: KalmanBoxFilterOptions = {}) {
    this.wp = options.stdWeightPosition ?? 1 / 20;
    this.wv = options.stdWeightVelocity ?? 1 / 160;
    this.fps = options.referenceFps ?? 30;
    toMeasurement(box, this.mean);
    const h = this.mean[3];
    const vel = this.wv * this.fps; // per-frame velocity std -> per second
    const std = [2 * this.wp * h, 2 * this.wp * h, 1e-2, 2 * this.wp * h, 10 * vel * h, 10 * vel * h, 1e-5 * this.fps, 10 * vel * h];
    for (let i = 0; i < N; i++) this.covariance[i * N + i] = std[i] * std[i];
  }

  /** A filter in the given state (from {@link toJSON}). */
  static fromJSON(state: KalmanBoxState, options: KalmanBoxFilterOptions = {}): KalmanBoxFilter {
    const f = new KalmanBoxFilter([0, 0, 1, 1], options);
    if (state.mean.length !== N || state.covariance.length !== N * N) throw new RangeError('KalmanBoxFilter: bad state');
    f.mean.set(state.mean);
    f.covariance.set(state.covariance);
    return f;
  }

  toJSON(): KalmanBoxState {
    return { mean: Array.from(this.mean), covariance: Array.from(this.covariance) };
  }

  /**
   * Advances the state by `dt` seconds: x += v·dt, P = F P Fᵀ + Q·(dt·referenceFps), Q being
   * ByteTrack's per-frame noise (a random walk whose variance grows with time, not with frames).
   */
  predict(dt: number): void {
    if (!(dt > 0)) return;
    const m = this.mean, P = this.covariance;
    const h = m[3];
    for (let i = 0; i < 4; i++) m[i] += m[i + 4] * dt;
    // F P Fᵀ with F = [[I, dt·I], [0, I]] on the 4x4 blocks P = [[A, B], [C, D]]:
    // A' = A + dt(B + C) + dt²D, B' = B + dt·D, C' = C + dt·D, D' = D.
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const b = i * N + j + 4, c = (i + 4) * N + j, d = P[(i + 4) * N + j + 4];
        P[i * N + j] += dt * (P[b] + P[c]) + dt * dt * d;
      }
    }
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const d = P[(i + 4) * N + j + 4];
        P[i * N + j + 4] += dt * d;
        P[(i + 4) * N + j] += dt * d;
      }
    }
    const k = dt * this.fps;
    const sp = this.wp * h, sv = this.wv * this.fps * h;
    P[0 * N + 0] += sp * sp * k;
    P[1 * N + 1] += sp * sp * k;
    P[2 * N + 2] += 1e-4 * k;
    P[3 * N + 3] += sp * sp * k;
    P[4 * N + 4] += sv * sv * k;
    P[5 * N + 5] += sv * sv * k;
    P[6 * N + 6] += (1e-5 * this.fps) ** 2 * k;
    P[7 * N + 7] += sv * sv * k;
  }

  /** Corrects the state with a measured box (ByteTrack's measurement noise). */
  update(box: BoxXYXY): void {
    const m = this.mean, P = this.covariance;
    const z = scratch.z;
    toMeasurement(box, z);
    // S = H P Hᵀ + R: the top-left 4x4 block plus the measurement noise.
    const S = scratch.S;
    const sr = this.wp * m[3];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) S[i * 4 + j] = P[i * N + j];
    S[0] += sr * sr;
    S[5] += sr * sr;
    S[10] += 1e-2;
    S[15] += sr * sr;
    cholesky4(S);
    // Gain K = P Hᵀ S⁻¹ (8x4): row r solves S kᵀ = P[r, 0..3]ᵀ (S symmetric).
    const K = scratch.K;
    for (let r = 0; r < N; r++) {
      const row = scratch.row;
      for (let j = 0; j < 4; j++) row[j] = P[r * N + j];
      cholSolve4(S, row);
      for (let j = 0; j < 4; j++) K[r * 4 + j] = row[j];
    }
    const innov = scratch.innov;
    for (let j = 0; j < 4; j++) innov[j] = z[j] - m[j];
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += K[r * 4 + j] * innov[j];
      m[r] += s;
    }
    // P' = P − K H P = P − K · P[0..3, :]; computed from a copy of the four rows it reads.
    const top = scratch.top;
    for (let k = 0; k < 4 * N; k++) top[k] = P[k];
    for (let r = 0; r < N; r++) {
      for (let c = 0; c < N; c++) {
        let s = 0;
        for (let j = 0; j < 4; j++) s += K[r * 4 + j] * top[j * N + c];
        P[r * N + c] -= s;
      }
    }
  }

  /** The state's box as [x1, y1, x2, y2]. */
  box(): BoxXYXY {
    const [cx, cy, a, h] = this.mean;
    const w = a * h;
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  }
}

/** Per-call work arrays: update runs to completion before the next one, so one set suffices. */
const scratch = {
  z: new Float64Array(4),
  S: new Float64Array(16),
  K: new Float64Array(N * 4),
  row: new Float64Array(4),
  innov: new Float64Array(4),
  top: new Float64Array(4 * N),
};

/** Box [x1, y1, x2, y2] to (cx, cy, w/h, h), written into `out`. */
function toMeasurement(box: BoxXYXY, out: Float64Array): void {
  const w = box[2] - box[0];
  const h = Math.max(box[3] - box[1], 1e-6);
  out[0] = box[0] + w / 2;
  out[1] = box[1] + h / 2;
  out[2] = w / h;
  out[3] = h;
}

/** In-place Cholesky of a symmetric positive-definite 4x4: the lower factor L replaces the lower triangle. */
function cholesky4(S: Float64Array): void {
  for (let j = 0; j < 4; j++) {
    let d = S[j * 4 + j];
    for (let k = 0; k < j; k++) d -= S[j * 4 + k] * S[j * 4 + k];
    const l = Math.sqrt(Math.max(d, 1e-12));
    S[j * 4 + j] = l;
    for (let i = j + 1; i < 4; i++) {
      let s = S[i * 4 + j];
      for (let k = 0; k < j; k++) s -= S[i * 4 + k] * S[j * 4 + k];
      S[i * 4 + j] = s / l;
    }
  }
}

/** Solves L Lᵀ x = b in place, L the lower triangle left by {@link cholesky4}. */
function cholSolve4(L: Float64Array, b: Float64Array): void {
  for (let i = 0; i < 4; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * 4 + k] * b[k];
    b[i] = s / L[i * 4 + i];
  }
  for (let i = 3; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < 4; k++) s -= L[k * 4 + i] * b[k];
    b[i] = s / L[i * 4 + i];
  }
}
