/**
 * What a batch's INPUT... arguments name: files (taken as they are), folders (walked recursively,
 * media files only, sorted) and globs (expanded here). Each item keeps the path relative to what
 * named it, which its outputs take under OUTDIR.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isImagePath, isMediaPath } from '../core/media/image-format.js';
import { expandGlob, globBase, isGlob } from './glob.js';

export interface BatchItem {
  /** The file to read. */
  input: string;
  /** Its path relative to the folder or glob base that named it (a named file: its base name). */
  rel: string;
  /** By extension: an image gets an image output, anything else a video. */
  kind: 'image' | 'video';
}

/** Something an argument named that is not processed, and why (reported in the summary). */
export interface BatchSkip {
  input: string;
  rel: string;
  reason: string;
}

export interface ExpandedInputs {
  items: BatchItem[];
  /** Files a folder walk passed over (not media by their extension). */
  skipped: BatchSkip[];
  /** Arguments that named nothing (a missing path, a glob without matches). */
  missing: BatchSkip[];
}

/**
 * True when the arguments ask for a batch: several inputs, a folder or a glob. A folder named
 * like a media file (`clip.mp4/`) is taken for a mistaken single input, not a batch.
 */
export function namesBatch(args: readonly string[]): boolean {
  if (args.length !== 1) return args.length > 1;
  const a = args[0];
  if (isDirectory(a)) return !isMediaPath(a.replace(/[/\\]+$/, ''));
  return isGlob(a) && !exists(a);
}

export function expandInputs(args: readonly string[]): ExpandedInputs {
  const items: BatchItem[] = [];
  const skipped: BatchSkip[] = [];
  const missing: BatchSkip[] = [];
  const item = (input: string, rel: string): BatchItem => ({ input, rel: rel.split(path.sep).join('/'), kind: isImagePath(input) ? 'image' : 'video' });
  for (const a of args) {
    if (isDirectory(a)) {
      for (const f of walk(a)) {
        const rel = path.relative(a, f);
        if (isMediaPath(f)) items.push(item(f, rel));
        else skipped.push({ input: f, rel, reason: 'not a media file (by its extension)' });
      }
    } else if (exists(a) || !isGlob(a)) {
      // A named file is the user's choice: tried whatever its extension; a missing one fails in the run.
      items.push(item(a, path.basename(a)));
    } else {
      const matches = expandGlob(a);
      if (matches.length === 0) missing.push({ input: a, rel: a, reason: 'no file matches this pattern' });
      const { base } = globBase(a);
      for (const m of matches) items.push(item(m, path.relative(base, m)));
    }
  }
  return { items, skipped, missing };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // hidden files, our own .partial files among them
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() || (e.isSymbolicLink() && isFile(p))) out.push(p);
    }
  };
  visit(dir);
  return out;
}

function exists(p: string): boolean {
  try { statSync(p); return true; } catch { return false; }
}

function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

function isFile(p: string): boolean {
  try { return statSync(p).isFile(); } catch { return false; }
}
