/**
 * `segstream synth`: writes a deterministic synthetic clip (H.264 MP4) and its COCO ground truth.
 *
 *   segstream synth --seed 7 -o clip.mp4 [--frames N] [--width W] [--height H] [--fps F]
 *                   [--objects MIN-MAX] [--crf N]
 *   segstream synth --seeds 1000-1799 -o DIR [...]   one clip per seed, DIR/seed-N.mp4 + .json
 *
 * The --seeds form is a data set in one process (two clips encoding at a time): a training run
 * needs hundreds of clips, and one CLI start per clip costs more than the clip. A seed whose
 * clip and GT are already in DIR is kept, not rewritten, so an interrupted run resumes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveSynthOptions, type SynthOptions } from '../synth/options.js';
import { writeSynthClip } from '../synth/synth-clip.js';
import { groundTruthPathFor } from '../synth/coco-gt.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

export const SYNTH_USAGE =
  'usage: segstream synth [--seed N] -o clip.mp4 | --seeds A-B -o DIR  [--frames N] [--width W] [--height H] [--fps F] [--objects MIN-MAX] [--crf N]';

/** Clips encoded at once in the --seeds form (the machine's two cores; libx264 is threaded too). */
const SEEDS_CONCURRENCY = 2;

function intArg(name: string, v: string | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`--${name} must be a whole number, got '${v}'`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new UsageError(`--${name} must be in ${lo}..${hi}, got ${v}`);
  return n;
}

interface SynthArgs {
  output: string;
  opts: SynthOptions;
  /** The --seeds form: first and last seed, inclusive. */
  seeds?: [number, number];
  help: boolean;
}

function parseSeedRange(v: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v.trim());
  if (!m) throw new UsageError(`--seeds must be A-B (e.g. 1000-1799) or N, got '${v}'`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a > b) throw new UsageError(`--seeds must satisfy A <= B, got '${v}'`);
  if (b - a >= 100_000) throw new UsageError(`--seeds names at most 100000 clips, got '${v}'`);
  return [a, b];
}

function parseSynthArgs(argv: string[]): SynthArgs {
  const { values } = parseOptions(argv, {
    seed: { type: 'string' },
    seeds: { type: 'string' },
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
  if (values.output === undefined || values.output.trim() === '') {
    throw new UsageError(values.seeds === undefined ? '-o/--output clip.mp4 is required' : '-o/--output DIR is required');
  }
  if (values.seeds !== undefined && values.seed !== undefined) throw new UsageError('--seed and --seeds exclude each other');
  const seeds = values.seeds === undefined ? undefined : parseSeedRange(values.seeds);
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
  return { output: values.output, opts, seeds, help: false };
}

/** The --seeds form: DIR/seed-N.mp4 and its GT per seed, in seed order of starting. */
async function writeSeedRange(dir: string, [first, last]: [number, number], opts: SynthOptions): Promise<void> {
  let next = first, written = 0, kept = 0;
  const worker = async (): Promise<void> => {
    while (next <= last) {
      const seed = next++;
      const mp4 = path.join(dir, `seed-${seed}.mp4`);
      if (existsSync(mp4) && existsSync(groundTruthPathFor(mp4))) {
        kept++;
        continue;
      }
      await writeSynthClip(mp4, { ...opts, seed });
      written++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEEDS_CONCURRENCY, last - first + 1) }, worker));
  process.stderr.write(`wrote ${written} clip${written === 1 ? '' : 's'} to ${dir} (seeds ${first}-${last}${kept ? `; ${kept} already there, kept` : ''})\n`);
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
    if (parsed.seeds) {
      await writeSeedRange(parsed.output, parsed.seeds, parsed.opts);
      return 0;
    }
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
