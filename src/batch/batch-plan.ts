/**
 * Where each input of a batch writes, and whether that is done already. An input's outputs are
 * OUTDIR/<rel> with videos' extension changed to .mp4 (images keep their type) and the JSONL
 * beside it (same name, .jsonl). An input is complete when both final files exist: they appear
 * under those names only by a rename once whole (atomic-file.ts), so a temp name never counts.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { defaultResultsPath } from '../compositor/compositor.js';
import type { BatchItem } from './batch-inputs.js';

export interface PlannedItem extends BatchItem {
  /** Position in the batch (sorted input order): names its images in the batch COCO. */
  index: number;
  output: string;
  results: string;
}

export function outputFor(item: BatchItem, outDir: string): string {
  const rel = item.kind === 'image' ? item.rel : item.rel.replace(/\.[^./]*$/, '') + '.mp4';
  return path.join(outDir, ...rel.split('/'));
}

export interface BatchPlan {
  items: PlannedItem[];
  /** Inputs whose outputs would take a name another input's already take (the later ones). */
  clashes: { item: PlannedItem; with: PlannedItem }[];
}

export function planBatch(items: readonly BatchItem[], outDir: string): BatchPlan {
  const planned: PlannedItem[] = [];
  const clashes: BatchPlan['clashes'] = [];
  const taken = new Map<string, PlannedItem>();
  items.forEach((it, index) => {
    const output = outputFor(it, outDir);
    const p: PlannedItem = { ...it, index, output, results: defaultResultsPath(output) };
    // `a.mov` and `a.mp4` both make a.mp4; `a.jpg` and `a.png` both make a.jsonl.
    const other = taken.get(path.resolve(p.output)) ?? taken.get(path.resolve(p.results));
    if (other) { clashes.push({ item: p, with: other }); return; }
    taken.set(path.resolve(p.output), p);
    taken.set(path.resolve(p.results), p);
    planned.push(p);
  });
  return { items: planned, clashes };
}

/** Both final files are there: an earlier run finished this input. */
export function isComplete(item: PlannedItem): boolean {
  return existsSync(item.output) && existsSync(item.results);
}

/**
 * Hidden temporary files (`.NAME.PID.partial.EXT`, atomic-file.ts) of this item's outputs that a
 * killed run left behind: those whose process is gone. Removed before the item is redone, so a
 * resumed batch leaves no litter; a live process's (another batch on the same OUTDIR) are kept.
 */
export function removeStalePartials(item: PlannedItem): string[] {
  const removed: string[] = [];
  for (const target of [item.output, item.results]) {
    const dir = path.dirname(target);
    const base = path.basename(target);
    let names: string[];
    try { names = readdirSync(dir); } catch { continue; }
    const prefix = `.${base}.`;
    for (const n of names) {
      if (!n.startsWith(prefix)) continue;
      const m = /^(\d+)\.partial(\.[^.]*)?$/.exec(n.slice(prefix.length));
      if (!m || m[2] !== (path.extname(base) || undefined) || processAlive(Number(m[1]))) continue;
      rmSync(path.join(dir, n), { force: true });
      removed.push(path.join(dir, n));
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
