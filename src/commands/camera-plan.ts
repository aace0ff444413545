/**
 * From a loaded camera config to each camera's role options, read by the very functions that read
 * the command line (passed in from cli.ts as {@link CameraOptionReaders}), so a field and its flag
 * accept the same values. Their errors, which name the flag, are turned into ones that name the
 * file, the camera and the field. Every camera's outputs are checked together before any work.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CompositorOptions } from '../compositor/compositor.js';
import { segmentPatternProblem } from '../compositor/sinks/segment-namer.js';
import { classifySource, validateSource } from '../core/media/source.js';
import { OutputPathError, prepareOutputs, type NamedPath } from '../core/results/output-plan.js';
import type { ProducerOptions } from '../producer/producer.js';
import type { FrameWorkerOptions } from '../worker/frame-worker.js';
import { ConfigError, type CameraConfig, type CameraEntry, type CameraFieldSpec, type CameraValues } from './camera-config.js';
import { UsageError } from './usage-error.js';

/**
 * The CLI options a camera may set (in `defaults:` or its own entry), by their flag names. The
 * rest (--device, --threads, --concurrency, --max-in-flight, --redis, --shutdown-timeout, ...)
 * belong to the process and stay on the command line.
 */
export const CAMERA_FIELDS = [
  'output', 'results', 'coco', 'mot', 'cvat', 'cvat-shapes',
  'model', 'format', 'task', 'semantic-model', 'semantic-format',
  'score', 'iou', 'class-agnostic', 'max-instances', 'mask-threshold',
  'track', 'no-track', 'tracker', 'track-thresh', 'track-match', 'track-buffer', 'track-similarity', 'zone', 'line',
  'fps', 'max-frames', 'stall-timeout', 'reconnect',
  'no-audio', 'preset', 'crf', 'no-masks', 'no-boxes', 'no-labels',
  'segment', 'keep-hours', 'keep-gb', 'wait',
  'hls', 'hls-time', 'hls-list-size',
] as const;

/** The camera fields with their command-line types, taken from the CLI's option table. */
export function cameraFieldSpecs(options: Readonly<Record<string, CameraFieldSpec>>): Record<string, CameraFieldSpec> {
  return Object.fromEntries(CAMERA_FIELDS.map((name) => {
    const spec = options[name];
    if (!spec) throw new Error(`camera field '${name}' is not a CLI option`);
    return [name, { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) }];
  }));
}

/** The CLI's own option readers: each throws a UsageError naming the flag (`invalid --fps 'x': ...`). */
export interface CameraOptionReaders {
  worker(v: CameraValues): FrameWorkerOptions;
  producer(v: CameraValues): Omit<ProducerOptions, 'source' | 'streamId'>;
  compositor(v: CameraValues): Omit<CompositorOptions, 'streamId' | 'output' | 'results' | 'waitMs'>;
  /** `-o`, checked (required, .mp4). */
  output(v: CameraValues): string;
  /** Every file the compositor writes for `output`, for output-plan.ts. */
  outputs(v: CameraValues, output: string): NamedPath[];
  /** `--wait` in ms. */
  waitMs(v: CameraValues): number | undefined;
}

/** One camera, ready for its roles. */
export interface CameraPlan {
  id: string;
  input: string;
  output: string;
  results?: string;
  segmented: boolean;
  /** The camera's own `score` (in its entry or `defaults:`); unset when the file gives none. */
  score?: number;
  worker: FrameWorkerOptions;
  producer: Omit<ProducerOptions, 'source' | 'streamId'>;
  compositor: Omit<CompositorOptions, 'streamId' | 'output' | 'results' | 'waitMs'>;
  waitMs?: number;
}

export interface PlanOptions {
  /** Process-wide values from the command line (--device, --threads, ...), under every camera's. */
  processValues?: CameraValues;
  /**
   * What the command reads and writes: 'run' checks sources, models and outputs; 'produce' the
   * sources; 'compose' the outputs (the sources are in Redis).
   */
  command: 'run' | 'produce' | 'compose';
}

const PATH_FIELDS = ['output', 'results', 'coco', 'mot', 'cvat', 'hls'] as const;

/**
 * Each camera's options, every value checked, and (for run and compose) all outputs checked
 * against each other and the inputs and their directories prepared, before any camera starts.
 * @throws ConfigError naming the file, camera and field; OutputPathError for a file system refusal
 */
export function planCameras(config: CameraConfig, readers: CameraOptionReaders, opts: PlanOptions): CameraPlan[] {
  const planned = config.cameras.map((cam) => planCamera(config.file, cam, { ...opts.processValues, ...cam.values }, readers, opts.command));
  const plans = planned.map((p) => p.plan);
  checkSegmentPatterns(config.file, plans);
  checkHlsDirs(config.file, plans);
  if (opts.command !== 'produce') prepareAll(config.file, planned, readers, opts.command);
  return plans;
}

/** A camera's plan, with the values it was read from (its {stream} filled in) and its source's field. */
interface Planned {
  plan: CameraPlan;
  values: CameraValues;
  sourceField: string;
}

function planCamera(file: string, cam: CameraEntry, raw: CameraValues, readers: CameraOptionReaders, command: PlanOptions['command']): Planned {
  const { id, input } = cam;
  const fail = (field: string | null, msg: string): never => {
    throw new ConfigError(`${file}: camera '${id}'${field ? ` field '${field}'` : ''}: ${msg}`);
  };
  const values = withStream(raw, id, fail);
  if (command !== 'compose') {
    try {
      validateSource(classifySource(input));
    } catch (err) {
      fail(cam.sourceField, (err as Error).message);
    }
  }
  const read = <T>(field: string | null, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      return fieldError(err.message, field, fail);
    }
  };
  const output = read('output', () => readers.output(values));
  const plan: CameraPlan = {
    id,
    input,
    output,
    ...(typeof values.results === 'string' ? { results: values.results } : {}),
    segmented: values.segment !== undefined,
    worker: read(null, () => readers.worker(values)),
    producer: read(null, () => readers.producer(values)),
    compositor: read(null, () => readers.compositor(values)),
    waitMs: read(null, () => readers.waitMs(values)),
  };
  if (values.score !== undefined) plan.score = plan.worker.postprocess?.scoreThreshold;
  if (command === 'run') {
    if (!existsSync(plan.worker.model)) fail('model', `no such file '${plan.worker.model}'`);
    if (plan.worker.semanticModel !== undefined && !existsSync(plan.worker.semanticModel)) fail('semantic-model', `no such file '${plan.worker.semanticModel}'`);
  }
  return { plan, values, sourceField: cam.sourceField };
}

/**
 * `{stream}` in a path field is the camera's id, so one `defaults: {output: 'out/{stream}.mp4'}`
 * serves every camera. A segmented `output`, `mot` and `cvat` keep their tokens for the segment namer.
 */
function withStream(values: CameraValues, id: string, fail: (field: string, msg: string) => never): CameraValues {
  const out = { ...values };
  for (const field of PATH_FIELDS) {
    const v = out[field];
    if (typeof v !== 'string') continue;
    // A segmented camera's output is a pattern, and its mot/cvat are that pattern with their own extension.
    if ((field === 'output' || field === 'mot' || field === 'cvat') && values.segment !== undefined) continue;
    const named = v.replaceAll('{stream}', id);
    const token = /\{(index|start)\}/.exec(named);
    if (token) fail(field, `${token[0]} needs 'segment' (it names segments) (got ${JSON.stringify(v)})`);
    out[field] = named;
  }
  return out;
}

/** `invalid --fps 'ten': expected a number >= 0.001` → field 'fps': expected ... (got "ten"). */
function fieldError(message: string, field: string | null, fail: (field: string | null, msg: string) => never): never {
  const invalid = /^invalid --([a-z][a-z-]*) '([\s\S]*)': ([\s\S]*)$/.exec(message);
  if (invalid) return fail(invalid[1], `${invalid[3]} (got ${JSON.stringify(invalid[2])})`);
  const flag = /--([a-z][a-z-]*)/.exec(message);
  // In a file the flags are fields: '--keep-hours needs --segment' reads "'keep-hours' needs 'segment'".
  const asFields = message.replace(/-o\/--output\b/g, "'output'").replace(/--([a-z][a-z-]*)/g, "'$1'");
  return fail(field ?? (flag ? flag[1] : null), asFields);
}

/** Two segmented cameras whose pattern names the same files (no {stream} in a shared pattern). */
function checkSegmentPatterns(file: string, plans: CameraPlan[]): void {
  const seen = new Map<string, string>();
  for (const p of plans) {
    if (!p.segmented) continue;
    const problem = segmentPatternProblem(p.output);
    if (problem) throw new ConfigError(`${file}: camera '${p.id}' field 'output': ${problem}`);
    const names = path.resolve(p.output.replaceAll('{stream}', p.id));
    const other = seen.get(names);
    if (other) throw new ConfigError(`${file}: camera '${p.id}' field 'output': '${p.output}' names the same segment files as camera '${other}': put {stream} in the pattern`);
    seen.set(names, p.id);
  }
}

/** Two cameras publishing their live view into one directory would replace each other's. */
function checkHlsDirs(file: string, plans: CameraPlan[]): void {
  const seen = new Map<string, string>();
  for (const p of plans) {
    const dir = p.compositor.hls?.dir;
    if (dir === undefined) continue;
    const other = seen.get(path.resolve(dir));
    if (other) throw new ConfigError(`${file}: camera '${p.id}' field 'hls': '${dir}' is camera '${other}'s live view too: put {stream} in it`);
    seen.set(path.resolve(dir), p.id);
  }
}

/** output-plan.ts over every camera at once: no output is an input, a model or another camera's output. */
function prepareAll(file: string, planned: Planned[], readers: CameraOptionReaders, command: PlanOptions['command']): void {
  const inputs: NamedPath[] = command === 'run'
    ? planned.flatMap(({ plan: p, sourceField }) => [
      { name: `camera '${p.id}' field '${sourceField}'`, path: p.input },
      { name: `camera '${p.id}' field 'model'`, path: p.worker.model },
    ])
    : [];
  const outputs = planned.flatMap(({ plan: p, values }) =>
    readers.outputs(values, p.output).map((o) => ({ name: `camera '${p.id}' ${fieldName(o.name)}`, path: o.path })));
  try {
    prepareOutputs({ inputs, outputs });
  } catch (err) {
    if (err instanceof OutputPathError) throw err.usage ? new ConfigError(`${file}: ${err.message}`) : new OutputPathError(`${file}: ${err.message}`, false);
    throw err;
  }
}

/** '-o' → field 'output', '--coco' → field 'coco'; derived names ('the --coco dataset') stay. */
function fieldName(name: string): string {
  if (name === '-o') return "field 'output'";
  const flag = /^--([a-z-]+)$/.exec(name);
  return flag ? `field '${flag[1]}'` : name;
}
