/**
 * `segstream synth`: writes a deterministic synthetic clip (H.264 MP4) and its COCO ground truth.
 *
 *   segstream synth --seed 7 -o clip.mp4 [--frames N] [--width W] [--height H] [--fps F]
 *                   [--objects MIN-MAX] [--crf N]
 */
import { resolveSynthOptions, type SynthOptions } from '../synth/options.js';
import { writeSynthClip } from '../synth/synth-clip.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

export const SYNTH_USAGE =
  'usage: segstream synth [--seed N] -o clip.mp4 [--frames N] [--width W] [--height H] [--fps F] [--objects MIN-MAX] [--crf N]';

function intArg(name: string, v: string | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`--${name} must be a whole number, got '${v}'`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new UsageError(`--${name} must be in ${lo}..${hi}, got ${v}`);
  return n;
}

function parseSynthArgs(argv: string[]): { output: string; opts: SynthOptions; help: boolean } {
  const { values } = parseOptions(argv, {
    seed: { type: 'string' },
    output: { type: 'string', short: 'o' },
    frames: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    fps: { type: 'string' },
    objects: { type: 'string' },
    crf: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) return { output: '', opts: { seed: 0 }, help: true };
  if (values.output === undefined || values.output.trim() === '') throw new UsageError('-o/--output clip.mp4 is required');
  const opts: SynthOptions = {
    seed: intArg('seed', values.seed, 0, Number.MAX_SAFE_INTEGER) ?? 0,
    frames: intArg('frames', values.frames, 1, 1_000_000),
    width: intArg('width', values.width, 32, 4096),
    height: intArg('height', values.height, 32, 4096),
    crf: intArg('crf', values.crf, 0, 51),
  };
  if (values.fps !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(values.fps.trim())) throw new UsageError(`--fps must be a positive number, got '${values.fps}'`);
    const fps = Number(values.fps);
    if (!(fps >= 0.1 && fps <= 240)) throw new UsageError(`--fps must be in 0.1..240, got ${values.fps}`);
    opts.fps = fps;
  }
  if (values.objects !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(values.objects.trim());
    if (!m) throw new UsageError(`--objects must be MIN-MAX (e.g. 2-6) or N, got '${values.objects}'`);
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    if (min < 1 || max > 50 || min > max) throw new UsageError(`--objects must satisfy 1 <= MIN <= MAX <= 50, got '${values.objects}'`);
    opts.minObjects = min;
    opts.maxObjects = max;
  }
  try {
    resolveSynthOptions(opts);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  return { output: values.output, opts, help: false };
}

/** Runs the command; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function synthCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseSynthArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`segstream: error: ${e.message} (${SYNTH_USAGE})\n`);
      return 2;
    }
    throw e;
  }
  if (parsed.help) {
    process.stderr.write(`${SYNTH_USAGE}\n`);
    return 0;
  }
  try {
    const r = await writeSynthClip(parsed.output, parsed.opts);
    process.stderr.write(
      `wrote ${r.video} (${r.frames} frames, ${r.instances} instances) and ${r.groundTruth}\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`segstream: error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
    return 1;
  }
}
