import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { rleArea, rleCountsToString } from '../rle.js';
import type { FrameResult, Instance } from '../types.js';

/**
 * COCO output for `--coco results.json`, written while frames arrive (nothing but a small record
 * per frame is kept in memory):
 *
 * - `results.json`: the detections as the list pycocotools' `COCO.loadRes` reads,
 *   `[{"image_id", "category_id", "segmentation": {"size": [h, w], "counts": "<string>"}, "score",
 *   "bbox": [x, y, w, h]}, ...]`, image_id = seq + 1, category_id = classId, bbox = the instance's
 *   box as xywh (frame pixels, 2 decimals), score to 4 decimals (both as in the JSONL).
 * - `results.dataset.json` (see {@link datasetPathFor}), completed on {@link close}: a whole COCO
 *   dataset for CVAT's "COCO 1.0" import and pycocotools' `COCO()`: `info`, `licenses`, `images`
 *   (every frame written, id = seq + 1, with `seq`, `width`, `height`, `file_name` =
 *   `<video>#<seq>`), `categories` (the given list, plus any class seen that it lacks, named by
 *   the instance's label; id = classId) and `annotations` (the detections with `score`, `area` =
 *   mask pixels, `iscrowd: 0`, ids from 1). Its annotations stream into `<dataset>.tmp`, renamed
 *   into place once the file is whole.
 *
 * A category id 0 (YOLO's 0-based classes) is valid COCO for pycocotools but CVAT/Datumaro treat
 * category 0 as "no label".
 */
export interface CocoWriterOptions {
  /** Names the frames: `file_name` = `<videoName>#<seq>`. */
  videoName: string;
  /** Categories to declare (id = classId). Classes seen but missing here are added by label. */
  categories?: { id: number; name: string }[];
}

/** `results.json` → `results.dataset.json`; a path not ending in `.json` gets `.dataset.json` appended. */
export function datasetPathFor(path: string): string {
  return /\.json$/i.test(path) ? path.replace(/\.json$/i, '.dataset.json') : `${path}.dataset.json`;
}

interface ImageRecord {
  id: number;
  seq: number;
  width: number;
  height: number;
  file_name: string;
}

export class CocoResultsWriter {
  readonly datasetPath: string;
  private readonly list: WriteStream;
  private readonly dataset: WriteStream;
  private readonly tmpPath: string;
  private readonly images: ImageRecord[] = [];
  private readonly seqs = new Set<number>();
  private readonly labels = new Map<number, string>();
  private listCount = 0;
  private annId = 0;
  private closed = false;
  private error: Error | null = null;

  constructor(
    readonly path: string,
    private readonly opts: CocoWriterOptions,
  ) {
    this.datasetPath = datasetPathFor(path);
    this.tmpPath = `${this.datasetPath}.tmp`;
    this.list = createWriteStream(path);
    this.dataset = createWriteStream(this.tmpPath);
    // Keep an open failure (missing folder, no permission) for the next write/close to throw.
    const keep = (err: Error): void => void (this.error ??= err);
    this.list.on('error', keep);
    this.dataset.on('error', keep);
    this.list.write('[');
    const now = new Date();
    const info = {
      description: `segstream detections for ${opts.videoName}`,
      version: '1.0',
      year: now.getUTCFullYear(),
      contributor: 'segstream',
      date_created: now.toISOString(),
    };
    this.dataset.write(`{"info":${JSON.stringify(info)},"licenses":[],"annotations":[`);
  }

  async write(result: FrameResult): Promise<void> {
    if (this.closed) throw new Error('CocoResultsWriter: write after close');
    if (this.error) throw this.error;
    if (this.seqs.has(result.seq)) throw new Error(`CocoResultsWriter: frame seq ${result.seq} written twice`);
    this.seqs.add(result.seq);
    const imageId = result.seq + 1;
    this.images.push({
      id: imageId,
      seq: result.seq,
      width: result.width,
      height: result.height,
      file_name: `${this.opts.videoName}#${result.seq}`,
    });
    let listChunk = '';
    let dsChunk = '';
    for (const inst of result.instances) {
      if (!this.labels.has(inst.classId)) this.labels.set(inst.classId, inst.label);
      const det = toCocoDetection(imageId, inst);
      listChunk += (this.listCount++ ? ',\n' : '\n') + JSON.stringify(det);
      const ann = {
        id: ++this.annId,
        image_id: imageId,
        category_id: inst.classId,
        segmentation: det.segmentation,
        area: rleArea(inst.mask),
        bbox: det.bbox,
        iscrowd: 0,
        score: det.score,
      };
      dsChunk += (this.annId > 1 ? ',\n' : '\n') + JSON.stringify(ann);
    }
    await Promise.all([writeChunk(this.list, listChunk), writeChunk(this.dataset, dsChunk)]);
  }

  /** Ends both files; the dataset file appears under its name only now. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.error) {
      this.list.destroy();
      this.dataset.destroy();
      await rm(this.tmpPath, { force: true });
      throw this.error;
    }
    const byId = new Map<number, string>();
    for (const c of this.opts.categories ?? []) byId.set(c.id, c.name);
    for (const [id, label] of this.labels) if (!byId.has(id)) byId.set(id, label || `class ${id}`);
    const categories = [...byId].sort((a, b) => a[0] - b[0]).map(([id, name]) => ({ id, name, supercategory: '' }));
    this.images.sort((a, b) => a.id - b.id);
    await writeChunk(this.list, (this.listCount ? '\n' : '') + ']\n');
    let tail = '\n],"images":[';
    this.images.forEach((im, i) => (tail += (i ? ',\n' : '\n') + JSON.stringify(im)));
    tail += `\n],"categories":${JSON.stringify(categories)}}\n`;
    await writeChunk(this.dataset, tail);
    this.list.end();
    this.dataset.end();
    await Promise.all([finished(this.list), finished(this.dataset)]);
    if (this.error) throw this.error;
    await rename(this.tmpPath, this.datasetPath).catch(async (err: unknown) => {
      await rm(this.tmpPath, { force: true });
      throw err;
    });
  }
}

/** One entry of the results list (what `loadRes` reads). */
export function toCocoDetection(imageId: number, inst: Instance): {
  image_id: number;
  category_id: number;
  segmentation: { size: [number, number]; counts: string };
  score: number;
  bbox: [number, number, number, number];
} {
  const [x1, y1, x2, y2] = inst.box;
  return {
    image_id: imageId,
    category_id: inst.classId,
    segmentation: { size: [inst.mask.size[0], inst.mask.size[1]], counts: rleCountsToString(inst.mask.counts) },
    score: round(inst.score, 4),
    bbox: [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
  };
}

async function writeChunk(out: WriteStream, chunk: string): Promise<void> {
  if (!chunk) return;
  if (out.errored) throw out.errored;
  if (!out.write(chunk)) await once(out, 'drain');
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
