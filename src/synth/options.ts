export interface SynthOptions {
  seed: number;
  /** Frame width in pixels, even (default 320). */
  width?: number;
  /** Frame height in pixels, even (default 240). */
  height?: number;
  /** Number of frames (default 150). */
  frames?: number;
  /** Frames per second (default 10): sets timestamps and how far things move per frame. */
  fps?: number;
  /** Objects wanted on screen at once (default 2..6; at least 3 at the start when allowed). */
  minObjects?: number;
  maxObjects?: number;
  /** x264 CRF of the written video (default 12, nearly lossless). */
  crf?: number;
  /** Instances with fewer visible pixels than this are left out of the ground truth (default 20). */
  minVisibleArea?: number;
}

export type ResolvedSynthOptions = Required<SynthOptions>;

function check(name: string, v: number, lo: number, hi: number, integer: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new RangeError(`${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${v}`);
  }
}

/** Fills defaults and validates; throws RangeError with a one-line message. */
export function resolveSynthOptions(opts: SynthOptions): ResolvedSynthOptions {
  const r: ResolvedSynthOptions = {
    seed: opts.seed,
    width: opts.width ?? 320,
    height: opts.height ?? 240,
    frames: opts.frames ?? 150,
    fps: opts.fps ?? 10,
    minObjects: opts.minObjects ?? 2,
    maxObjects: opts.maxObjects ?? Math.max(6, opts.minObjects ?? 2),
    crf: opts.crf ?? 12,
    minVisibleArea: opts.minVisibleArea ?? 20,
  };
  check('seed', r.seed, 0, Number.MAX_SAFE_INTEGER, true);
  check('width', r.width, 32, 4096, true);
  check('height', r.height, 32, 4096, true);
  if (r.width % 2 || r.height % 2) throw new RangeError(`width and height must be even (H.264 yuv420p), got ${r.width}x${r.height}`);
  check('frames', r.frames, 1, 1_000_000, true);
  check('fps', r.fps, 0.1, 240, false);
  check('minObjects', r.minObjects, 1, 50, true);
  check('maxObjects', r.maxObjects, 1, 50, true);
  if (r.minObjects > r.maxObjects) throw new RangeError(`minObjects (${r.minObjects}) > maxObjects (${r.maxObjects})`);
  check('crf', r.crf, 0, 51, true);
  check('minVisibleArea', r.minVisibleArea, 1, 1e9, true);
  return r;
}
