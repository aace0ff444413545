/**
 * The camera config file (`--config cameras.yml`): a `defaults:` mapping and a `cameras:` list,
 * each camera an `id`, a `url` and any per-camera field. Fields are the CLI's own option names
 * (`fps`, `score`, `keep-hours`, `output`, ...) and become the same string values a command line
 * would give them, so the CLI's option readers validate both alike. This module checks the
 * file's shape; the values themselves are checked by those readers (src/commands/camera-plan.ts).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { UsageError } from './usage-error.js';
import { nearestOption } from './parse-options.js';
import { streamIdProblem } from '../core/transport/transport.js';

/** How a field's value is written on the command line: a string, a flag, or a repeatable string. */
export interface CameraFieldSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
}

/** A camera's fields as a command line would give them: `{ fps: '10', 'no-audio': true }`. */
export type CameraValues = Record<string, string | boolean | string[]>;

export interface CameraEntry {
  id: string;
  /** The source: a file or a URL (`url:`, or `input:`). */
  input: string;
  /** Which key gave the source, for messages. */
  sourceField: 'url' | 'input';
  /** `defaults:` overlaid with the camera's own fields (a camera's list replaces the default list). */
  values: CameraValues;
}

export interface CameraConfig {
  /** The file as the user named it (messages name it so). */
  file: string;
  cameras: CameraEntry[];
}

/** A mistake in the config file: a usage error (exit 2) whose message starts with the file's name. */
export class ConfigError extends UsageError {}

const TOP_LEVEL = ['defaults', 'cameras'];
const IDENTITY = ['id', 'url', 'input'];

/**
 * Reads and checks a camera config file. JSON when the name ends in `.json`, YAML otherwise.
 * @throws ConfigError naming the file, the camera and the field
 */
export function loadCameraConfig(file: string, fields: Readonly<Record<string, CameraFieldSpec>>): CameraConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file '${file}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
  }
  return parseCameraConfig(text, file, fields);
}

/** {@link loadCameraConfig} on text already read; `file` names it in messages and picks JSON or YAML. */
export function parseCameraConfig(text: string, file: string, fields: Readonly<Record<string, CameraFieldSpec>>): CameraConfig {
  const fail = (msg: string): never => { throw new ConfigError(`${file}: ${msg}`); };
  const json = /\.json$/i.test(file);
  // JSON is YAML 1.2: one parser, with the JSON schema for .json so that only JSON is accepted.
  const doc = parseDocument(text, json ? { schema: 'json', uniqueKeys: true } : { uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) fail(`not valid ${json ? 'JSON' : 'YAML'}: ${problem.message.split('\n')[0].replace(/:$/, '')}`);
  const root: unknown = doc.toJS();
  if (!isMapping(root)) fail(`expected a mapping with 'cameras:' (and optionally 'defaults:') at the top, got ${describe(root)}`);
  const top = root as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL.includes(key)) fail(`unknown top-level key '${key}'${hint(key, TOP_LEVEL)} (expected 'defaults' and 'cameras')`);
  }
  const defaultsRaw = top.defaults ?? {};
  if (!isMapping(defaultsRaw)) fail(`'defaults' must be a mapping of fields, got ${describe(defaultsRaw)}`);
  const defaults = fieldValues(defaultsRaw as Record<string, unknown>, fields, (field, msg) => fail(`defaults field '${field}': ${msg}`), true);
  const list = top.cameras;
  if (!Array.isArray(list) || list.length === 0) fail(`'cameras' must be a non-empty list, got ${describe(list)}`);
  const cameras: CameraEntry[] = [];
  const seen = new Map<string, number>();
  (list as unknown[]).forEach((raw, index) => {
    const where = `camera #${index + 1}`;
    if (!isMapping(raw)) fail(`${where}: expected a mapping with 'id' and 'url', got ${describe(raw)}`);
    const entry = raw as Record<string, unknown>;
    const id = cameraId(entry.id, (msg) => fail(`${where} field 'id': ${msg}`));
    const named = (field: string, msg: string): never => fail(`camera '${id}' field '${field}': ${msg}`);
    const first = seen.get(id);
    if (first !== undefined) named('id', `duplicate id (camera #${first + 1} has it too)`);
    seen.set(id, index);
    if (entry.url !== undefined && entry.input !== undefined) named('input', "give 'url' or 'input', not both");
    const source = entry.url ?? entry.input;
    const sourceField = entry.url !== undefined ? 'url' : 'input';
    if (source === undefined || source === null) fail(`camera '${id}': missing 'url' (the camera's rtsp://... URL or a video file)`);
    if (typeof source !== 'string' || source.trim() === '') named(sourceField, `must be a URL or file name (got ${describe(source)})`);
    const own = fieldValues(entry, fields, named, false);
    cameras.push({ id, input: source as string, sourceField, values: normaliseTrack({ ...defaults, ...own }) });
  });
  return { file, cameras };
}

function cameraId(raw: unknown, fail: (msg: string) => never): string {
  if (raw === undefined || raw === null) fail("missing: each camera needs an 'id' (its stream id)");
  if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isInteger(raw))) fail(`must be a string (got ${describe(raw)})`);
  const id = String(raw);
  const problem = streamIdProblem(id);
  if (problem) fail(`${problem.replace(/^invalid stream id '[^']*': /, '')} (got ${JSON.stringify(id)})`);
  return id;
}

/** One mapping's fields as command-line values; the identity keys are skipped (cameras) or refused (defaults). */
function fieldValues(
  raw: Record<string, unknown>,
  fields: Readonly<Record<string, CameraFieldSpec>>,
  fail: (field: string, msg: string) => never,
  isDefaults: boolean,
): CameraValues {
  const out: CameraValues = {};
  const known = [...Object.keys(fields), ...IDENTITY];
  for (const [field, value] of Object.entries(raw)) {
    if (IDENTITY.includes(field)) {
      if (isDefaults) fail(field, field === 'id' ? 'each camera has its own id' : 'each camera has its own source');
      continue;
    }
    const spec = fields[field];
    if (!spec) fail(field, `unknown field${hint(field, known)}`);
    out[field] = fieldValue(value, spec!, (msg) => fail(field, msg));
  }
  return out;
}

function fieldValue(value: unknown, spec: CameraFieldSpec, fail: (msg: string) => never): string | boolean | string[] {
  if (value === null || value === undefined) fail('has no value');
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') fail(`must be true or false (got ${describe(value)})`);
    return value as boolean;
  }
  if (spec.multiple) {
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => scalarText(item, fail));
  }
  return scalarText(value, fail);
}

/** A string, or a number as the command line would spell it. */
function scalarText(value: unknown, fail: (msg: string) => never): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return fail(`must be a string or a number (got ${describe(value)})`);
}

/**
 * `track: false` means what `--no-track` means (a false flag would otherwise just be absent, and
 * tracking is on by default); `track: true` is the flag.
 */
function normaliseTrack(values: CameraValues): CameraValues {
  if (values.track !== false) return values;
  const { track: _, ...rest } = values;
  return { ...rest, 'no-track': true };
}

function isMapping(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

function hint(name: string, known: readonly string[]): string {
  const near = nearestOption(name, known);
  return near ? ` (did you mean '${near}'?)` : '';
}
