/**
 * Semantic results (our JSONL's per-frame `semantic` maps) scored against a COCO ground truth
 * turned into per-pixel classes: each pixel takes the category id of the annotation covering it
 * (annotations painted in file order, so a later one wins where two overlap — synth GT masks are
 * the visible parts and never overlap), crowd regions take {@link IGNORE_LABEL}, the rest is 0
 * (background) — or against a folder of PNG label maps (label-png-folder.ts: frame seq k = the
 * folder's k-th map, pixel = class id, 255 = ignored). The predictions may be such a folder too.
 * With PNG ground truth the classes are the ids that occur (0..highest), named by the JSONL's
 * labels where it has them; panoptic scores need the COCO ground truth's instances.
 */
import { open } from 'node:fs/promises';
import { decodeRleOnes } from '../rle.js';
import { ConfusionMatrix, IGNORE_LABEL, type SemanticScores } from './semantic-eval.js';
import { EvalInputError, parseRle, type GroundTruth, type GtImage } from './load.js';
import { LabelPngFolder } from './label-png-folder.js';
import { LabelPngFile } from './label-png-file.js';
import { PanopticAccumulator, type PanopticScores, type PanopticSegmentInfo } from './panoptic-eval.js';
import type { Rle } from '../types.js';

export interface SemanticEvalResult extends SemanticScores {
  /** Result frames scored (those with a semantic map and a ground-truth image). */
  frames: number;
  /** Result frames with no ground-truth image, or with an error and no map (not scored). */
  framesWithoutGt: number;
  errorFrames: number;
  /**
   * Frames that carry instances too (panoptic): PQ/SQ/RQ, the instances as "things" (painted by
   * descending score, each pixel to the first) over the semantic background as "stuff" (class 0;
   * pixels the semantic map gives a thing class that no instance covers are void). The GT's
   * annotations are its things (crowd = void), the uncovered rest its background segment.
   */
  panoptic?: PanopticScores;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when the first frame line of a JSONL file carries a `semantic` map. */
export async function jsonlHasSemantic(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return false; // the instance loader reports unreadable files
  }
  try {
    for await (const raw of fh.readLines({ encoding: 'utf8' })) {
      const text = raw.trim();
      if (!text) continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        return false;
      }
      if (!isObj(obj) || 'event' in obj) {
        if (isObj(obj)) continue;
        return false;
      }
      if ('error' in obj && !('semantic' in obj)) continue;
      return Array.isArray(obj.semantic);
    }
    return false;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** PNG label maps: a folder (frame seq k = its k-th map) or one map (frame 0). */
export type LabelMaps = LabelPngFolder | LabelPngFile;

/** Ground truth for semantic scoring: a COCO dataset or PNG label maps. */
export type SemanticGroundTruth = GroundTruth | LabelMaps;

export const isLabelMaps = (gt: SemanticGroundTruth): gt is LabelMaps => gt instanceof LabelPngFolder || gt instanceof LabelPngFile;

/** Classes and names a COCO ground truth defines (background 0 + its category ids), or all 0..254 for PNG maps. */
function gtClasses(gt: SemanticGroundTruth): { classes: number; names: string[] } {
  if (isLabelMaps(gt)) return { classes: IGNORE_LABEL, names: ['background'] };
  const maxId = Math.max(0, ...gt.categories.map((c) => c.id));
  if (maxId >= IGNORE_LABEL) throw new EvalInputError(`ground truth category id ${maxId} is too large for a semantic map (max 254)`);
  const classes = maxId + 1;
  return { classes, names: Array.from({ length: classes }, (_, k) => gt.categories.find((c) => c.id === k)?.name ?? (k === 0 ? 'background' : `class ${k}`)) };
}

/** Scores the JSONL's semantic maps against `gt` (classes: background 0 + the GT category ids, or the PNG maps' ids). */
export async function evalSemanticJsonl(path: string, gt: SemanticGroundTruth): Promise<SemanticEvalResult> {
  return evalSemanticJsonlFiles([{ results: path, gt }]);
}

/**
 * Several JSONL files, each against its own ground truth, into one confusion matrix (a batch
 * scored by name: batch-label-pairs.ts). The classes are the first ground truth's: all PNG maps,
 * or the same COCO dataset.
 */
export async function evalSemanticJsonlFiles(files: { results: string; gt: SemanticGroundTruth }[]): Promise<SemanticEvalResult> {
  if (files.length === 0) throw new EvalInputError('no results to score');
  const { classes, names } = gtClasses(files[0].gt);
  const anyPng = files.some((f) => isLabelMaps(f.gt));
  const cm = new ConfusionMatrix(classes);
  const pan = new PanopticAccumulator();
  let panopticFrames = 0;
  let gtSeg = new Int32Array(0), predSeg = new Int32Array(0);
  let gtMap: Uint8Array = new Uint8Array(0), predMap = new Uint8Array(0), scratch = new Uint8Array(0);
  let frames = 0, framesWithoutGt = 0, errorFrames = 0;
  for (const { results: path, gt } of files) {
    const pngGt = isLabelMaps(gt) ? gt : null;
    const coco = isLabelMaps(gt) ? null : gt;
    const bySeq = new Map<number, GtImage>((coco?.images ?? []).map((im) => [im.seq, im]));
    const annsByImage = new Map<number, GroundTruth['annotations']>();
    for (const a of coco?.annotations ?? []) {
      const list = annsByImage.get(a.imageId) ?? [];
      list.push(a);
      annsByImage.set(a.imageId, list);
    }
    let lineNo = 0;
    const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new EvalInputError(`cannot read results ${path}: ${err.code ?? err.message}`);
    });
    try {
      for await (const raw of fh.readLines({ encoding: 'utf8' })) {
        lineNo++;
        const text = raw.trim();
        if (!text) continue;
        let line: unknown;
        try {
          line = JSON.parse(text);
        } catch (err) {
          throw new EvalInputError(`results ${path}:${lineNo}: invalid JSON (${(err as Error).message})`);
        }
        if (!isObj(line) || 'event' in line) continue;
        const where = `results ${path}:${lineNo}`;
        if (!Array.isArray(line.semantic)) {
          if (line.error !== undefined) errorFrames++;
          else throw new EvalInputError(`${where}: frame has no semantic map (mixed results?)`);
          continue;
        }
        let img: { id: number; width: number; height: number } | undefined;
        if (pngGt) {
          if (typeof line.seq !== 'number' || typeof line.width !== 'number' || typeof line.height !== 'number') {
            throw new EvalInputError(`${where}: frame needs seq, width and height`);
          }
          const map = pngGt.read(line.seq, { width: line.width, height: line.height });
          img = { id: -1, width: map.width, height: map.height };
          gtMap = map.data;
          if (predMap.length !== gtMap.length) {
            predMap = new Uint8Array(gtMap.length);
            scratch = new Uint8Array(gtMap.length);
          }
        } else {
          img = typeof line.seq === 'number' ? bySeq.get(line.seq) : undefined;
          if (!img) {
            framesWithoutGt++;
            continue;
          }
          const n = img.width * img.height;
          if (gtMap.length !== n || predMap.length !== n) {
            gtMap = new Uint8Array(n);
            predMap = new Uint8Array(n);
            scratch = new Uint8Array(n);
          }
          paint(gtMap, scratch, (annsByImage.get(img.id) ?? []).map((a) => ({ mask: a.mask, label: a.iscrowd ? IGNORE_LABEL : a.categoryId })));
        }
        const { width: imgW, height: imgH } = img;
        const regions = line.semantic.map((r: unknown, k: number) => {
          if (!isObj(r) || typeof r.classId !== 'number' || !Number.isInteger(r.classId) || r.classId < 0) {
            throw new EvalInputError(`${where}: semantic[${k}] needs an integer classId >= 0`);
          }
          if (pngGt && r.classId < classes && typeof r.label === 'string') names[r.classId] ??= r.label;
          return { mask: parseRle(r.mask, `${where}: semantic[${k}]`, imgH, imgW), label: r.classId < classes ? r.classId : 0 };
        });
        paint(predMap, scratch, regions);
        cm.add(gtMap, predMap);
        frames++;
        const instances = Array.isArray(line.instances) ? line.instances : [];
        if (instances.length > 0 && coco) {
          const n = img.width * img.height;
          if (gtSeg.length !== n) {
            gtSeg = new Int32Array(n);
            predSeg = new Int32Array(n);
          }
          const things = instances.map((inst: unknown, k: number) => {
            if (!isObj(inst) || typeof inst.classId !== 'number' || typeof inst.score !== 'number') {
              throw new EvalInputError(`${where}: instance ${k} needs classId and score`);
            }
            return { categoryId: inst.classId, score: inst.score, mask: parseRle(inst.mask, `${where}: instance ${k}`, img.height, img.width) };
          });
          const gtAnns = (annsByImage.get(img.id) ?? []).map((a) => ({ categoryId: a.categoryId, mask: a.mask, void: a.iscrowd === true }));
          const gtInfo = panopticMap(gtSeg, scratch, gtAnns, (i) => gtMap[i] === 0);
          const predInfo = panopticMap(predSeg, scratch, things.sort((x, y) => y.score - x.score).map((t) => ({ ...t, void: false })), (i) => predMap[i] === 0);
          pan.add(gtSeg, gtInfo, predSeg, predInfo);
          panopticFrames++;
        }
      }
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
  return { ...(anyPng ? cm.compact() : cm).scores(names), frames, framesWithoutGt, errorFrames, ...(panopticFrames ? { panoptic: pan.scores() } : {}) };
}

/**
 * Scores a folder of predicted PNG label maps (frame seq k = its k-th map) against `gt`. A COCO
 * ground truth without an image for a frame leaves the frame out (counted); a PNG one must have it.
 * A predicted id the ground truth has no class for counts as background (0).
 */
export async function evalSemanticPngs(pred: LabelPngFolder, gt: SemanticGroundTruth): Promise<SemanticEvalResult> {
  const { classes, names } = gtClasses(gt);
  const cm = new ConfusionMatrix(classes);
  let gtMap = new Uint8Array(0), scratch = new Uint8Array(0);
  let frames = 0, framesWithoutGt = 0;
  const bySeq = isLabelMaps(gt) ? null : new Map<number, GtImage>(gt.images.map((im) => [im.seq, im]));
  const annsByImage = new Map<number, GroundTruth['annotations']>();
  for (const a of isLabelMaps(gt) ? [] : gt.annotations) {
    const list = annsByImage.get(a.imageId) ?? [];
    list.push(a);
    annsByImage.set(a.imageId, list);
  }
  for (let seq = 0; seq < pred.frames; seq++) {
    if (isLabelMaps(gt)) {
      const p = pred.read(seq);
      cm.add(gt.read(seq, p).data, p.data);
    } else {
      const img = bySeq?.get(seq);
      if (!img) {
        framesWithoutGt++;
        continue;
      }
      const p = pred.read(seq, img);
      const n = img.width * img.height;
      if (gtMap.length !== n) {
        gtMap = new Uint8Array(n);
        scratch = new Uint8Array(n);
      }
      paint(gtMap, scratch, (annsByImage.get(img.id) ?? []).map((a) => ({ mask: a.mask, label: a.iscrowd ? IGNORE_LABEL : a.categoryId })));
      cm.add(gtMap, p.data);
    }
    frames++;
  }
  return { ...(isLabelMaps(gt) ? cm.compact() : cm).scores(names), frames, framesWithoutGt, errorFrames: 0 };
}

/**
 * Segment-id map: segments painted in order, each pixel to the first that covers it (ids 1..n,
 * `void` ones leave 0), then the pixels still free where `isStuff` holds become one background
 * segment (category 0). Returns the segments present.
 */
function panopticMap(
  ids: Int32Array,
  scratch: Uint8Array,
  segments: { categoryId: number; mask: Rle; void: boolean }[],
  isStuff: (i: number) => boolean,
): PanopticSegmentInfo[] {
  ids.fill(0);
  const taken = new Uint8Array(ids.length);
  const info: PanopticSegmentInfo[] = [];
  segments.forEach((s, k) => {
    scratch.fill(0);
    decodeRleOnes(s.mask, scratch);
    const id = s.void ? 0 : k + 1;
    let any = false;
    for (let i = 0; i < ids.length; i++) {
      if (!scratch[i] || taken[i]) continue;
      taken[i] = 1;
      ids[i] = id;
      any = true;
    }
    if (any && !s.void) info.push({ id, categoryId: s.categoryId });
  });
  const bg = segments.length + 1;
  let anyBg = false;
  for (let i = 0; i < ids.length; i++) {
    if (taken[i] || !isStuff(i)) continue;
    ids[i] = bg;
    anyBg = true;
  }
  if (anyBg) info.push({ id: bg, categoryId: 0 });
  return info;
}

/** Label map (row-major) of masks painted in order over 0. */
function paint(out: Uint8Array, scratch: Uint8Array, masks: { mask: import('../types.js').Rle; label: number }[]): void {
  out.fill(0);
  for (const { mask, label } of masks) {
    scratch.fill(0);
    decodeRleOnes(mask, scratch);
    for (let i = 0; i < out.length; i++) if (scratch[i]) out[i] = label;
  }
}
