import { type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { AtomicFile } from './atomic-file.js';
import { fsReason } from './fs-reason.js';
import { openStream } from './open-stream.js';
import { rleArea, rleCountsToString } from '../rle.js';
import type { FrameResult, Instance } from '../types.js';

/**
 * COCO output for `--coco results.json`, written while frames arrive (nothing but a small record
 * per frame is kept in memory):
 *
 * - `results.json`: the detections as the list pycocotools' `COCO.loadRes` reads,
 *   `[{"image_id", "category_id", "segmentation": {"size": [h, w], "counts": "<string>"}, "score",
 *   "bbox": [x, y, w, h], "track_id"?}, ...]`, image_id = seq + 1, category_id = classId, bbox = the instance's
 *   box as xywh (frame pixels, 2 decimals), score to 4 decimals (both as in the JSONL).
 * - `results.dataset.json` (see {@link datasetPathFor}), completed on {@link close}: a whole COCO
 *   dataset for CVAT's "COCO 1.0" import and pycocotools' `COCO()`: `info`, `licenses`, `images`
 *   (every frame written, id = seq + 1, with `seq`, `width`, `height`, `file_name` =
 *   `<video>#<seq>`), `categories` (the given list, plus any class seen that it lacks, named by
 *   the instance's label; id = classId) and `annotations` (the detections with `score`, `area` =
 *   mask pixels, `iscrowd: 0`, ids from 1, `track_id` when tracked).
 *
 * Both stream into hidden files beside their targets ({@link AtomicFile}) and appear under their
 * names on {@link CocoResultsWriter.commit} (or `close`); `abort` leaves old files as they were.
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
  private readonly listFile: AtomicFile;
  private readonly datasetFile: AtomicFile;
  private readonly list: WriteStream;
  private readonly dataset: WriteStream;
  private readonly images: ImageRecord[] = [];
  private readonly seqs = new Set<number>();
  private readonly labels = new Map<number, string>();
  private listCount = 0;
  private annId = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly opts: CocoWriterOptions,
  ) {
    this.datasetPath = datasetPathFor(path);
    this.listFile = new AtomicFile(path);
    this.datasetFile = new AtomicFile(this.datasetPath);
    this.list = openStream(this.listFile.tmpPath, path);
    try {
      this.dataset = openStream(this.datasetFile.tmpPath, this.datasetPath);
    } catch (err) {
      this.list.destroy();
      this.listFile.abort();
      throw err;
    }
    // A failed write (disk full) is thrown by the next write/finish (see check), never left unhandled.
    this.list.on('error', () => undefined);
    this.dataset.on('error', () => undefined);
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
    this.check();
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
        ...(det.track_id !== undefined ? { track_id: det.track_id } : {}),
      };
      dsChunk += (this.annId > 1 ? ',\n' : '\n') + JSON.stringify(ann);
    }
    await Promise.all([writeChunk(this.list, listChunk), writeChunk(this.dataset, dsChunk)]).catch(() => undefined);
    this.check();
  }

  /** {@link finish} then {@link commit}; on failure nothing is left under either name. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.finish();
      this.commit();
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Completes and closes both hidden files; the targets are not touched yet. */
  async finish(): Promise<void> {
    if (this.closed) throw new Error('CocoResultsWriter: finish after close');
    this.closed = true;
    this.check();
    const byId = new Map<number, string>();
    for (const c of this.opts.categories ?? []) byId.set(c.id, c.name);
    for (const [id, label] of this.labels) if (!byId.has(id)) byId.set(id, label || `class ${id}`);
    const categories = [...byId].sort((a, b) => a[0] - b[0]).map(([id, name]) => ({ id, name, supercategory: '' }));
    this.images.sort((a, b) => a.id - b.id);
    let tail = '\n],"images":[';
    this.images.forEach((im, i) => (tail += (i ? ',\n' : '\n') + JSON.stringify(im)));
    tail += `\n],"categories":${JSON.stringify(categories)}}\n`;
    await Promise.all([writeChunk(this.list, (this.listCount ? '\n' : '') + ']\n'), writeChunk(this.dataset, tail)]).catch(() => undefined);
    this.list.end();
    this.dataset.end();
    await Promise.all([finished(this.list), finished(this.dataset)]).catch(() => undefined);
    this.check();
  }

  private check(): void {
    const [err, name] = this.list.errored ? [this.list.errored, this.path] : [this.dataset.errored, this.datasetPath];
    if (err) throw new Error(`cannot write '${name}': ${fsReason(err)}`);
  }

  /** Renames both finished files over their targets. */
  commit(): void {
    this.listFile.commit();
    this.datasetFile.commit();
  }

  /** Drops both files; existing targets stay as they were. Idempotent. */
  abort(): void {
    this.closed = true;
    this.list.destroy();
    this.dataset.destroy();
    this.listFile.abort();
    this.datasetFile.abort();
  }
}

/** One entry of the results list (what `loadRes` reads). */
export function toCocoDetection(imageId: number, inst: Instance): {
  image_id: number;
  category_id: number;
  segmentation: { size: [number, number]; counts: string };
  score: number;
  bbox: [number, number, number, number];
  track_id?: number;
} {
  const [x1, y1, x2, y2] = inst.box;
  return {
    image_id: imageId,
    category_id: inst.classId,
    segmentation: { size: [inst.mask.size[0], inst.mask.size[1]], counts: rleCountsToString(inst.mask.counts) },
    score: round(inst.score, 4),
    bbox: [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
    ...(inst.trackId !== undefined ? { track_id: inst.trackId } : {}),
  };
}

async function writeChunk(out: WriteStream, chunk: string): Promise<void> {
  if (!chunk || out.errored) return;
  // once() rejects on 'error' as well, so a failing disk cannot leave this waiting.
  if (!out.write(chunk)) await once(out, 'drain');
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
