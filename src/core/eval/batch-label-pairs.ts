/**
 * A batch's results folder (`segstream run DIR -o OUT/`: `OUT/<name>.jsonl` beside each output)
 * paired with a ground-truth folder of PNG label maps by name, the VOC way
 * (`SegmentationClass/<name>.png` for `JPEGImages/<name>.jpg`): `OUT/a/b.jsonl` is scored
 * against `GT/a/b.png` (a photo: one map) or, for a video, the folder `GT/a/b/` (its frames'
 * maps, as LabelPngFolder orders them). Hidden entries (a batch's `.partial` files) are skipped.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EvalInputError } from './load.js';
import { LabelPngFile } from './label-png-file.js';
import { LabelPngFolder } from './label-png-folder.js';

export interface BatchLabelPair {
  /** The result's JSONL. */
  results: string;
  /** Its ground truth. */
  gt: LabelPngFile | LabelPngFolder;
}

export interface BatchLabelPairs {
  pairs: BatchLabelPair[];
  /** JSONL files with no map of their name (relative to the results folder). */
  withoutGt: string[];
  /** PNG files under the GT folder (relative to it) that no result was scored against. */
  gtWithoutResults: string[];
}

/** The JSONL files under `dir`, relative to it, sorted. */
export function batchJsonlFiles(dir: string): string[] {
  return filesUnder(dir, '.jsonl', 'results');
}

/** Pairs every JSONL under `resultsDir` (`files`: {@link batchJsonlFiles}) with its label map under `gtDir`. */
export function pairBatchLabels(resultsDir: string, gtDir: string, files = batchJsonlFiles(resultsDir)): BatchLabelPairs {
  const pairs: BatchLabelPair[] = [];
  const withoutGt: string[] = [];
  const used = new Set<string>();
  for (const rel of files) {
    const stem = rel.slice(0, -'.jsonl'.length);
    const png = path.join(gtDir, `${stem}.png`), folder = path.join(gtDir, stem);
    const results = path.join(resultsDir, rel);
    if (isKind(png, 'file')) {
      pairs.push({ results, gt: new LabelPngFile(png, 'gt') });
      used.add(`${stem}.png`);
    } else if (isKind(folder, 'dir')) {
      pairs.push({ results, gt: new LabelPngFolder(folder, 'gt') });
      used.add(stem + path.sep);
    } else withoutGt.push(rel);
  }
  const unused = (f: string): boolean => !used.has(f) && !(used.has(path.dirname(f) + path.sep));
  return { pairs, withoutGt, gtWithoutResults: filesUnder(gtDir, '.png', 'gt').filter(unused) };
}

/** The files under `dir` whose name ends in `ext` (any case), relative to it, sorted; hidden entries skipped. */
function filesUnder(dir: string, ext: string, role: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, rel)).sort();
    } catch (err) {
      throw new EvalInputError(`${role} ${path.join(dir, rel)}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const r = path.join(rel, name);
      const st = statSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile() && name.toLowerCase().endsWith(ext)) out.push(r);
    }
  };
  walk('');
  return out;
}

function isKind(p: string, kind: 'file' | 'dir'): boolean {
  try {
    const st = statSync(p);
    return kind === 'file' ? st.isFile() : st.isDirectory();
  } catch {
    return false;
  }
}
