/**
 * Reading evaluation inputs into the form {@link cocoEvalSegm} takes.
 *
 * - Ground truth: a COCO instances dataset (`images`, `annotations`, `categories`) whose
 *   segmentations are RLE (compressed string or uncompressed counts). Our synthetic generator's
 *   images carry `seq` (image id = seq + 1); an image without `seq` gets `id - 1`.
 * - Results, told apart by content:
 *   - our JSONL (one frame per line, `{seq, width, height, instances: [...]}`), matched to GT
 *     images by `seq`;
 *   - a COCO results list (`[{image_id, category_id, segmentation, score}, ...]`, what pycocotools'
 *     `loadRes` reads), matched by `image_id`;
 *   - a COCO dataset whose annotations carry `score` (the `.dataset.json` the COCO writer makes,
 *     or a batch's `--coco`), matched by `file_name` when every one of its images has a name the
 *     GT has (a batch), else by its images' `seq` when they have one, else by `image_id`.
 *
 * Results on frames the GT does not have, and detections of classes the GT does not list, are not
 * evaluated (pycocotools filters them the same way): they are counted in {@link LoadedResults}.
 *
 * A detection's `area` decides only its size range (APs/APm/APl, ARs/ARm/ARl), and is what
 * pycocotools would use for that file ({@link DetectionAreaSource}):
 * - COCO results list: `COCO.loadRes` looks at the FIRST result only. When it has a non-empty
 *   `bbox`, every result's area is its bbox w·h (so each needs a bbox); otherwise every result's
 *   area is its mask's pixel count, bboxes or not. Our `--coco` list carries bboxes, so it gets
 *   bbox areas.
 * - COCO dataset: read as is (`COCO(path)` as the detections, no `loadRes`), so each annotation's
 *   own `area` (our writer puts the mask's pixel count there); mask pixels where it has none.
 * - JSONL (ours, no COCO `bbox`; its xyxy `box` is not used): the mask's pixel count, as
 *   `loadRes` gives a results list without bboxes.
 */
import { open, readFile } from 'node:fs/promises';
import { rleCountsFromString } from '../rle.js';
import type { Rle } from '../types.js';
import type { DetInstance, EvalCategory, EvalImage, GtInstance } from './coco-eval.js';

/** Bad or unreadable input (the command exits 1 with the message). */
export class EvalInputError extends Error {
  override name = 'EvalInputError';
}

export interface GtImage extends EvalImage {
  seq: number;
  fileName?: string;
}

export interface GroundTruth {
  images: GtImage[];
  categories: EvalCategory[];
  annotations: GtInstance[];
}

export type ResultsFormat = 'jsonl' | 'coco-results' | 'coco-dataset';

/**
 * Where the detections' areas came from: `mask` pixel counts, `bbox` w·h (a COCO results list
 * whose first result has a bbox), or the `annotation`'s own `area` field (a COCO dataset).
 */
export type DetectionAreaSource = 'mask' | 'bbox' | 'annotation';

export interface LoadedResults {
  format: ResultsFormat;
  detectionArea: DetectionAreaSource;
  /** Detections on GT images, of any class (unknown classes are left out by the evaluation). */
  detections: DetInstance[];
  /** Frames (JSONL lines, or distinct images) the file holds. */
  frames: number;
  /** Frames that carry an `error` (JSONL only); they have no detections. */
  errorFrames: number;
  /** Frames/images not in the ground truth, and how many detections they held (not evaluated). */
  framesWithoutGt: number;
  detectionsWithoutGt: number;
  /** Detections per class id the GT has no category for (not evaluated), with a label when known. */
  unknownClasses: Map<number, { label?: string; count: number }>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function fsMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'is a directory';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message ?? String(err);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new EvalInputError(`cannot read ${what} ${path}: ${fsMessage(err)}`);
  }
}

function parseJson(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EvalInputError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * A COCO RLE object (`{size: [h, w], counts: string | number[]}`) checked against its image size.
 * Throws an {@link EvalInputError} prefixed with `where`.
 */
export function parseRle(seg: unknown, where: string, height: number, width: number): Rle {
  if (Array.isArray(seg)) throw new EvalInputError(`${where}: polygon segmentation is not supported (use RLE masks)`);
  if (!isObj(seg)) throw new EvalInputError(`${where}: segmentation must be an RLE object {size, counts}`);
  const size = seg.size;
  if (!Array.isArray(size) || size.length !== 2 || !isInt(size[0]) || !isInt(size[1])) {
    throw new EvalInputError(`${where}: segmentation size must be [height, width]`);
  }
  const [h, w] = size as [number, number];
  if (h !== height || w !== width) {
    throw new EvalInputError(`${where}: mask size ${w}x${h} differs from the image size ${width}x${height}`);
  }
  let counts: number[];
  if (typeof seg.counts === 'string') {
    try {
      counts = rleCountsFromString(seg.counts);
    } catch (err) {
      throw new EvalInputError(`${where}: bad RLE counts string (${(err as Error).message})`);
    }
  } else if (Array.isArray(seg.counts) && seg.counts.every((c) => isInt(c))) {
    counts = seg.counts as number[];
  } else {
    throw new EvalInputError(`${where}: RLE counts must be a string or a list of integers`);
  }
  let total = 0;
  for (const c of counts) {
    if (c < 0) throw new EvalInputError(`${where}: RLE has a negative run`);
    total += c;
  }
  if (total !== h * w) throw new EvalInputError(`${where}: RLE covers ${total} pixels, the mask has ${h * w}`);
  return { size: [h, w], counts };
}

/** Validates a parsed COCO ground-truth dataset. `source` names it in error messages. */
export function parseGroundTruth(json: unknown, source = 'ground truth'): GroundTruth {
  if (!isObj(json)) throw new EvalInputError(`${source}: expected a COCO dataset object {images, annotations, categories}`);
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(json[key])) throw new EvalInputError(`${source}: '${key}' must be a list`);
  }
  const images: GtImage[] = [];
  const byId = new Map<number, GtImage>();
  const bySeq = new Map<number, GtImage>();
  (json.images as unknown[]).forEach((im, n) => {
    if (!isObj(im) || !isInt(im.id) || !isInt(im.width) || !isInt(im.height) || im.width <= 0 || im.height <= 0) {
      throw new EvalInputError(`${source}: images[${n}] needs an integer id and a positive integer width and height`);
    }
    if (im.seq !== undefined && !isInt(im.seq)) throw new EvalInputError(`${source}: image ${im.id}: seq must be an integer`);
    const img: GtImage = { id: im.id, width: im.width, height: im.height, seq: (im.seq as number | undefined) ?? im.id - 1 };
    if (typeof im.file_name === 'string') img.fileName = im.file_name;
    if (byId.has(img.id)) throw new EvalInputError(`${source}: image id ${img.id} appears twice`);
    if (bySeq.has(img.seq)) throw new EvalInputError(`${source}: two images have seq ${img.seq}`);
    byId.set(img.id, img);
    bySeq.set(img.seq, img);
    images.push(img);
  });
  const categories: EvalCategory[] = [];
  const catIds = new Set<number>();
  (json.categories as unknown[]).forEach((c, n) => {
    if (!isObj(c) || !isInt(c.id)) throw new EvalInputError(`${source}: categories[${n}] needs an integer id`);
    if (catIds.has(c.id)) throw new EvalInputError(`${source}: category id ${c.id} appears twice`);
    catIds.add(c.id);
    categories.push({ id: c.id, name: typeof c.name === 'string' ? c.name : `class ${c.id}` });
  });
  const annotations: GtInstance[] = [];
  const annIds = new Set<number>();
  (json.annotations as unknown[]).forEach((a, n) => {
    if (!isObj(a) || !isNum(a.id)) throw new EvalInputError(`${source}: annotations[${n}] needs a numeric id`);
    const where = `${source}: annotation ${a.id}`;
    if (annIds.has(a.id)) throw new EvalInputError(`${where}: id appears twice`);
    annIds.add(a.id);
    const img = isInt(a.image_id) ? byId.get(a.image_id) : undefined;
    if (!img) throw new EvalInputError(`${where}: image_id ${String(a.image_id)} is not in images`);
    if (!isInt(a.category_id) || !catIds.has(a.category_id)) {
      throw new EvalInputError(`${where}: category_id ${String(a.category_id)} is not in categories`);
    }
    const mask = parseRle(a.segmentation, where, img.height, img.width);
    const iscrowd = a.iscrowd === undefined ? false : a.iscrowd === 1 || a.iscrowd === true ? true : a.iscrowd === 0 || a.iscrowd === false ? false : null;
    if (iscrowd === null) throw new EvalInputError(`${where}: iscrowd must be 0 or 1`);
    let area: number;
    if (a.area === undefined) area = mask.counts.reduce((s, c, j) => (j % 2 ? s + c : s), 0);
    else if (isNum(a.area) && a.area >= 0) area = a.area;
    else throw new EvalInputError(`${where}: area must be a non-negative number`);
    if (a.track_id !== undefined && !isInt(a.track_id)) throw new EvalInputError(`${where}: track_id must be an integer`);
    const ann: GtInstance = { id: a.id, imageId: img.id, categoryId: a.category_id, mask, area, iscrowd };
    if (a.track_id !== undefined) ann.trackId = a.track_id as number;
    annotations.push(ann);
  });
  return { images, categories, annotations };
}

export async function loadGroundTruth(path: string): Promise<GroundTruth> {
  const text = await readText(path, 'ground truth');
  return parseGroundTruth(parseJson(text, path, 'ground truth'), `ground truth ${path}`);
}

/** Accumulates detections against a GT, counting what cannot be evaluated. */
class ResultsBuilder {
  readonly detections: DetInstance[] = [];
  readonly unknownClasses = new Map<number, { label?: string; count: number }>();
  framesWithoutGt = 0;
  detectionsWithoutGt = 0;
  errorFrames = 0;
  private readonly seen = new Map<number, string>();
  private readonly catIds: Set<number>;
  readonly bySeq: Map<number, GtImage>;
  readonly byId: Map<number, GtImage>;

  constructor(readonly gt: GroundTruth) {
    this.catIds = new Set(gt.categories.map((c) => c.id));
    this.bySeq = new Map(gt.images.map((im) => [im.seq, im]));
    this.byId = new Map(gt.images.map((im) => [im.id, im]));
  }

  /** Marks a frame as seen; throws when `key` came before (at `where`). */
  frame(key: number, where: string, what: string): void {
    const prev = this.seen.get(key);
    if (prev !== undefined) throw new EvalInputError(`${where}: ${what} ${key} appears twice (first at ${prev})`);
    this.seen.set(key, where);
  }

  get frames(): number {
    return this.seen.size;
  }

  /** Adds `det` on `img`; `area` (size range) defaults to the mask's pixel count. */
  add(img: GtImage, det: unknown, where: string, map: { classId: string; score: string; mask: string; label?: string; trackId: string }, area?: number): void {
    if (!isObj(det)) throw new EvalInputError(`${where}: a detection must be an object`);
    const classId = det[map.classId];
    const score = det[map.score];
    if (!isInt(classId)) throw new EvalInputError(`${where}: ${map.classId} must be an integer`);
    if (!isNum(score)) throw new EvalInputError(`${where}: ${map.score} must be a number`);
    const mask = parseRle(det[map.mask], where, img.height, img.width);
    if (!this.catIds.has(classId)) {
      const u = this.unknownClasses.get(classId) ?? { count: 0 };
      const label = map.label ? det[map.label] : undefined;
      if (typeof label === 'string') u.label = label;
      u.count++;
      this.unknownClasses.set(classId, u);
      return;
    }
    const trackId = det[map.trackId];
    if (trackId !== undefined && !isInt(trackId)) throw new EvalInputError(`${where}: ${map.trackId} must be an integer`);
    const d: DetInstance = { imageId: img.id, categoryId: classId, score, mask };
    if (area !== undefined) d.area = area;
    if (trackId !== undefined) d.trackId = trackId as number;
    this.detections.push(d);
  }
}

/** A COCO `bbox` [x, y, w, h]'s area w·h, as `loadRes` computes it (bb[2] * bb[3]). */
function bboxArea(bbox: unknown, where: string): number {
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(isNum)) {
    throw new EvalInputError(`${where}: bbox must be [x, y, width, height]`);
  }
  const [, , w, h] = bbox as number[];
  if (w < 0 || h < 0) throw new EvalInputError(`${where}: bbox width and height must be non-negative`);
  return w * h;
}

/** `loadRes`' test of the first result: a `bbox` key whose value is not `[]`. */
function firstHasBbox(dets: unknown[]): boolean {
  const first = dets[0];
  return isObj(first) && 'bbox' in first && !(Array.isArray(first.bbox) && first.bbox.length === 0);
}

/** Result image id → GT image, by file_name; null unless every result image's name is a GT image's (names unique). */
function byFileName(images: unknown, gtImages: readonly GtImage[]): Map<number, GtImage> | null {
  if (!Array.isArray(images) || images.length === 0) return null;
  const gtByName = new Map<string, GtImage>();
  for (const im of gtImages) {
    if (im.fileName === undefined || gtByName.has(im.fileName)) return null;
    gtByName.set(im.fileName, im);
  }
  const out = new Map<number, GtImage>();
  for (const im of images) {
    if (!isObj(im) || !isInt(im.id) || typeof im.file_name !== 'string') return null;
    const g = gtByName.get(im.file_name);
    if (!g) return null;
    out.set(im.id, g);
  }
  return out;
}

/** Parses results of any supported form (see the module comment) against `gt`. */
export function parseResultsJson(json: unknown, gt: GroundTruth, source = 'results'): LoadedResults {
  const b = new ResultsBuilder(gt);
  let format: ResultsFormat;
  let detectionArea: DetectionAreaSource;
  let dets: unknown[];
  let imageOf: (imageId: unknown) => GtImage | undefined;
  if (Array.isArray(json)) {
    format = 'coco-results';
    dets = json;
    detectionArea = firstHasBbox(dets) ? 'bbox' : 'mask';
    imageOf = (id) => (isInt(id) ? b.byId.get(id) : undefined);
  } else if (isObj(json) && Array.isArray(json.annotations)) {
    format = 'coco-dataset';
    dets = json.annotations;
    detectionArea = 'annotation';
    // A batch's dataset (src/batch/batch-coco.ts) against a GT of the same batch: when every
    // image of the file has a file_name the GT has too, images are matched by name (ids and
    // order may differ between the two). Otherwise through the file's own images' seq when it
    // has them, else by id.
    const byName = byFileName(json.images, b.gt.images);
    const seqOf = new Map<number, number>();
    if (Array.isArray(json.images)) {
      for (const im of json.images) if (isObj(im) && isInt(im.id) && isInt(im.seq)) seqOf.set(im.id, im.seq);
    }
    imageOf = (id) => {
      if (!isInt(id)) return undefined;
      if (byName) return byName.get(id);
      const seq = seqOf.get(id);
      return seq !== undefined ? b.bySeq.get(seq) : b.byId.get(id);
    };
  } else {
    throw new EvalInputError(`${source}: expected JSONL frames, a COCO results list or a COCO dataset with scored annotations`);
  }
  const frames = new Set<number>();
  const framesOff = new Set<number>();
  dets.forEach((d, n) => {
    const where = `${source}: ${format === 'coco-results' ? `result [${n}]` : `annotation [${n}]`}`;
    if (!isObj(d)) throw new EvalInputError(`${where}: must be an object`);
    if (!isInt(d.image_id)) throw new EvalInputError(`${where}: image_id must be an integer`);
    if (format === 'coco-dataset' && d.score === undefined) {
      throw new EvalInputError(`${where}: has no score (a dataset given as results needs scored annotations)`);
    }
    let area: number | undefined;
    if (detectionArea === 'bbox') {
      if (!('bbox' in d)) throw new EvalInputError(`${where}: has no bbox (the first result has one, so areas are bbox w·h, as pycocotools' loadRes takes them)`);
      area = bboxArea(d.bbox, where);
    } else if (detectionArea === 'annotation' && d.area !== undefined) {
      if (!isNum(d.area) || d.area < 0) throw new EvalInputError(`${where}: area must be a non-negative number`);
      area = d.area;
    }
    frames.add(d.image_id);
    const img = imageOf(d.image_id);
    if (!img) {
      framesOff.add(d.image_id);
      b.detectionsWithoutGt++;
      return;
    }
    b.add(img, d, where, { classId: 'category_id', score: 'score', mask: 'segmentation', trackId: 'track_id' }, area);
  });
  return {
    format,
    detectionArea,
    detections: b.detections,
    frames: format === 'coco-dataset' && isObj(json) && Array.isArray(json.images) ? json.images.length : frames.size,
    errorFrames: 0,
    framesWithoutGt: framesOff.size,
    detectionsWithoutGt: b.detectionsWithoutGt,
    unknownClasses: b.unknownClasses,
  };
}

/** One JSONL frame line (already parsed) into `b`. */
function addJsonlFrame(b: ResultsBuilder, line: unknown, where: string): void {
  if (!isObj(line)) throw new EvalInputError(`${where}: expected a frame object`);
  if (!isInt(line.seq) || line.seq < 0) throw new EvalInputError(`${where}: seq must be a non-negative integer`);
  b.frame(line.seq, where, 'frame seq');
  if (line.error !== undefined) b.errorFrames++;
  const instances = line.instances ?? [];
  if (!Array.isArray(instances)) throw new EvalInputError(`${where}: instances must be a list`);
  const img = b.bySeq.get(line.seq);
  if (!img) {
    b.framesWithoutGt++;
    b.detectionsWithoutGt += instances.length;
    return;
  }
  if ((line.width !== undefined && line.width !== img.width) || (line.height !== undefined && line.height !== img.height)) {
    throw new EvalInputError(`${where}: frame seq ${line.seq} is ${String(line.width)}x${String(line.height)}, the ground truth image ${img.width}x${img.height}`);
  }
  instances.forEach((inst, n) => {
    b.add(img, inst, `${where}: instance ${n}`, { classId: 'classId', score: 'score', mask: 'mask', label: 'label', trackId: 'trackId' });
  });
}

/**
 * Reads results from `path` (JSONL, COCO results list or scored COCO dataset, told apart by
 * content) and resolves them against `gt`. JSONL is read line by line.
 */
export async function loadResults(path: string, gt: GroundTruth): Promise<LoadedResults> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new EvalInputError(`cannot read results ${path}: ${fsMessage(err)}`);
  }
  const b = new ResultsBuilder(gt);
  let lineNo = 0;
  let wholeFile = false;
  let sawLine = false;
  try {
    for await (const raw of fh.readLines({ encoding: 'utf8' })) {
      lineNo++;
      const text = raw.trim();
      if (!text) continue;
      if (!sawLine) {
        sawLine = true;
        // A list, or an object that is not a frame (a dataset, pretty-printed or not): one JSON document.
        if (text.startsWith('[')) {
          wholeFile = true;
          break;
        }
        let first: unknown;
        try {
          first = JSON.parse(text);
        } catch {
          wholeFile = true;
          break;
        }
        if (!isObj(first) || !('seq' in first || 'instances' in first)) {
          wholeFile = true;
          break;
        }
        addJsonlFrame(b, first, `results ${path}:${lineNo}`);
        continue;
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw new EvalInputError(`results ${path}:${lineNo}: invalid JSON (${(err as Error).message})`);
      }
      if (isObj(obj) && 'event' in obj) continue; // a source lost/back line, not a frame
      addJsonlFrame(b, obj, `results ${path}:${lineNo}`);
    }
  } catch (err) {
    if (err instanceof EvalInputError) throw err;
    throw new EvalInputError(`cannot read results ${path}: ${fsMessage(err)}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
  if (wholeFile) {
    const text = await readText(path, 'results');
    return parseResultsJson(parseJson(text, path, 'results'), gt, `results ${path}`);
  }
  if (!sawLine) throw new EvalInputError(`results ${path} is empty`);
  return {
    format: 'jsonl',
    detectionArea: 'mask',
    detections: b.detections,
    frames: b.frames,
    errorFrames: b.errorFrames,
    framesWithoutGt: b.framesWithoutGt,
    detectionsWithoutGt: b.detectionsWithoutGt,
    unknownClasses: b.unknownClasses,
  };
}
