/**
 * The output checks every command that writes files runs before any work starts (before the model
 * loads, before ffmpeg starts): no output may be the same file as an input or as another output,
 * and every output's directory must exist (it is created if missing) and take new files.
 *
 * "Same file" is decided on what the names point at, not on the strings: each path is resolved to
 * its directory entry (real path of the nearest existing directory + the rest), and an existing file
 * also by device + inode, so `./in.mp4`, a symlink to it and a hard link of it are all caught.
 */
import { closeSync, lstatSync, mkdirSync, openSync, realpathSync, rmSync, statSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { classifySource } from '../media/source.js';
import { log as rootLog, type Logger } from '../log.js';
import { fsReason } from './fs-reason.js';

/** A path with the name messages give it: '-o', '--results', 'the input'. */
export interface NamedPath {
  name: string;
  path: string;
}

export interface OutputSpec {
  /** What the command reads: files are compared, URLs and missing files are skipped. */
  inputs: readonly NamedPath[];
  /** Every file the command writes. */
  outputs: readonly NamedPath[];
}

export interface CheckedOutput extends NamedPath {
  /** Real path of the directory entry the output will take. */
  entry: string;
  /** True when a file is already there (it will be replaced). */
  exists: boolean;
  /** The highest directory on the way to it that does not exist yet, or null. */
  missingDir: string | null;
}

/**
 * A bad output path. `usage` is true for a clash between the paths given (the command line is
 * wrong), false when the file system refuses (no such directory can be made, not writable).
 */
export class OutputPathError extends Error {
  constructor(message: string, readonly usage: boolean) {
    super(message);
  }
}

interface Resolved {
  entry: string;
  /** `dev:ino` of the existing file the name points at. */
  id: string | null;
  exists: boolean;
  missingDir: string | null;
}

/** Checks the paths without changing anything. @throws OutputPathError */
export function checkOutputs(spec: OutputSpec): CheckedOutput[] {
  const inputs = spec.inputs.flatMap((i) => {
    const file = localFile(i.path);
    return file ? [{ ...i, ...file }] : [];
  });
  const seen: (CheckedOutput & { id: string | null })[] = [];
  for (const o of spec.outputs) {
    const r = resolveOutput(o);
    for (const i of inputs) {
      if (r.entry === i.entry || (r.id !== null && r.id === i.id)) {
        throw new OutputPathError(`${o.name} '${o.path}' is the same file as ${i.name} '${i.path}': refusing to overwrite it`, true);
      }
    }
    for (const s of seen) {
      if (r.entry === s.entry || (r.id !== null && r.id === s.id)) {
        throw new OutputPathError(`${o.name} '${o.path}' and ${s.name} '${s.path}' are the same file: give them different names`, true);
      }
    }
    seen.push({ ...o, ...r });
  }
  return seen.map(({ id: _id, ...o }) => o);
}

/**
 * {@link checkOutputs}, then creates missing output directories, proves each directory takes a new file
 * (by creating and removing one: permission bits do not stop root, a read-only mount or /proc
 * does) and warns about each existing file that the run will replace when it finishes.
 * @throws OutputPathError
 */
export function prepareOutputs(spec: OutputSpec, logger: Logger = rootLog): CheckedOutput[] {
  const outputs = checkOutputs(spec);
  const probed = new Set<string>();
  for (const o of outputs) {
    const dir = path.dirname(o.entry);
    if (o.missingDir && !probed.has(dir)) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw new OutputPathError(`cannot create the directory '${dir}' for ${o.name} '${o.path}': ${fsReason(err)}`, false);
      }
      logger.info(`created output directory ${dir}`, { for: o.name });
    }
    if (!probed.has(dir)) {
      probeWritable(dir, o);
      probed.add(dir);
    }
  }
  for (const o of outputs) {
    if (o.exists) logger.warn(`replacing existing file ${o.path} (it stays as it is until the run has finished)`, { for: o.name });
  }
  return outputs;
}

function probeWritable(dir: string, o: NamedPath): void {
  const probe = path.join(dir, `.segstream-probe.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (err) {
    throw new OutputPathError(`cannot write ${o.name} '${o.path}': cannot create files in '${dir}' (${fsReason(err)})`, false);
  }
  rmSync(probe, { force: true });
}

function resolveOutput(o: NamedPath): Resolved {
  const abs = path.resolve(o.path);
  const here = statOrNull(abs, o);
  if (here) {
    if (!here.isFile()) throw new OutputPathError(`${o.name} '${o.path}' exists and is not a regular file`, true);
    // The entry is the name itself (a symlink there is replaced, its target left alone); the id
    // is what it points at, so a link to the input is still caught.
    return { entry: path.join(realpathSync(path.dirname(abs)), path.basename(abs)), id: fileId(here), exists: true, missingDir: null };
  }
  // Not there yet: find the nearest directory that is.
  const rest = [path.basename(abs)];
  let dir = path.dirname(abs);
  let st: Stats | null;
  let missingDir: string | null = null;
  while ((st = statOrNull(dir, o)) === null) {
    missingDir = dir;
    rest.unshift(path.basename(dir));
    dir = path.dirname(dir);
  }
  if (!st.isDirectory()) {
    throw new OutputPathError(`cannot write ${o.name} '${o.path}': '${dir}' is not a directory`, false);
  }
  return { entry: path.join(realpathSync(dir), ...rest), id: null, exists: lexists(abs), missingDir };
}

/** An input that is a local file: its entry and id. Null for URLs, missing files and unreadable names. */
function localFile(source: string): { entry: string; id: string } | null {
  let file: string;
  try {
    const spec = classifySource(source);
    if (spec.kind !== 'file') return null;
    file = spec.ffmpegInput.slice('file:'.length);
  } catch {
    return null;
  }
  try {
    return { entry: realpathSync(file), id: fileId(statSync(file)) };
  } catch {
    return null;
  }
}

function fileId(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

/** stat() following links; null when nothing is there (or a dangling link, or a file on the way). */
function statOrNull(p: string, o: NamedPath): Stats | null {
  try {
    return statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new OutputPathError(`cannot write ${o.name} '${o.path}': ${fsReason(err)}`, false);
  }
}

/** A dangling symlink is an existing entry: it gets replaced, so it is warned about. */
function lexists(p: string): boolean {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}
