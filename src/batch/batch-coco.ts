/**
 * `--coco dataset.json` over a batch: one COCO dataset (CVAT "COCO 1.0", pycocotools `COCO()`)
 * whose images are every image input and every frame of every video input, built at the end from
 * the inputs' JSONL files, so that inputs a resumed batch skipped are in it as well.
 *
 * - Image ids 1..N in batch order (inputs sorted as the batch takes them, frames in seq order).
 * - `file_name`: an image input's path relative to what named it (`trip/IMG_0001.jpg`); a video
 *   frame `<video's relative path without extension>/<seq, 6 digits>.jpg` (`cams/gate/000123.jpg`,
 *   seq from 0), which is where `ffmpeg -i cams/gate.mp4 -start_number 0 cams/gate/%06d.jpg`
 *   puts the frame: a CVAT task made from those files matches the annotations by name; pycocotools
 *   goes by id. Video frames also carry `video` (its relative path) and `frame` (seq).
 * - Annotations: `score`, `area` = mask pixels, `bbox` xywh, `iscrowd` 0, RLE segmentation;
 *   `track_id` on video frames, made unique over the batch (each video's ids shifted past the
 *   previous videos'); none on images.
 * - Categories: every class seen, by id, named by its label.
 */
import { createReadStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import { AtomicFile } from '../core/results/atomic-file.js';
import { openStream } from '../core/results/open-stream.js';
import { fsReason } from '../core/results/fs-reason.js';
import { rleArea, rleCountsFromString } from '../core/rle.js';
import type { PlannedItem } from './batch-plan.js';

interface JsonlInstance {
  classId: number;
  label?: string;
  score: number;
  box: [number, number, number, number];
  mask: { size: [number, number]; counts: string };
  trackId?: number;
}

/** file_name of frame `seq` of a batch input (see the module comment). */
export function batchFileName(item: Pick<PlannedItem, 'rel' | 'kind'>, seq: number): string {
  if (item.kind === 'image') return item.rel;
  return `${item.rel.replace(/\.[^./]*$/, '')}/${String(seq).padStart(6, '0')}.jpg`;
}

export interface BatchCocoSummary {
  images: number;
  annotations: number;
}

/** Writes the dataset from the finished inputs' JSONL (in `items` order); hidden until whole. */
export async function writeBatchCoco(file: string, items: readonly PlannedItem[]): Promise<BatchCocoSummary> {
  const atomic = new AtomicFile(file);
  const out = openStream(atomic.tmpPath, file);
  out.on('error', () => undefined);
  try {
    const labels = new Map<number, string>();
    const images: string[] = [];
    let imageId = 0;
    let annId = 0;
    let trackBase = 0;
    const now = new Date();
    const info = { description: `segstream detections for a batch of ${items.length} input(s)`, version: '1.0', year: now.getUTCFullYear(), contributor: 'segstream', date_created: now.toISOString() };
    await write(out, file, `{"info":${JSON.stringify(info)},"licenses":[],"annotations":[`);
    for (const item of items) {
      let maxTrack = 0;
      const lines = createInterface({ input: createReadStream(item.results, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        const f = JSON.parse(line) as { seq?: number; width?: number; height?: number; instances?: JsonlInstance[]; event?: string };
        if (f.event !== undefined || f.seq === undefined) continue; // source events
        const id = ++imageId;
        const video = item.kind === 'video' ? { video: item.rel, frame: f.seq } : {};
        images.push(JSON.stringify({ id, file_name: batchFileName(item, f.seq), width: f.width, height: f.height, ...video }));
        let chunk = '';
        for (const inst of f.instances ?? []) {
          if (inst.label && !labels.has(inst.classId)) labels.set(inst.classId, inst.label);
          const [x1, y1, x2, y2] = inst.box;
          const ann = {
            id: ++annId, image_id: id, category_id: inst.classId,
            segmentation: inst.mask, area: rleArea({ size: inst.mask.size, counts: rleCountsFromString(inst.mask.counts) }),
            bbox: [round2(x1), round2(y1), round2(x2 - x1), round2(y2 - y1)], iscrowd: 0, score: inst.score,
            // A photo has no track: its ids (from the tracker's one frame) mean nothing.
            ...(inst.trackId !== undefined && item.kind === 'video' ? { track_id: inst.trackId + trackBase } : {}),
          };
          if (inst.trackId !== undefined) maxTrack = Math.max(maxTrack, inst.trackId);
          chunk += (annId > 1 ? ',\n' : '\n') + JSON.stringify(ann);
        }
        if (chunk) await write(out, file, chunk);
      }
      trackBase += maxTrack;
    }
    const categories = [...labels].sort((a, b) => a[0] - b[0]).map(([id, name]) => ({ id, name, supercategory: '' }));
    await write(out, file, `\n],"images":[\n${images.join(',\n')}\n],"categories":${JSON.stringify(categories)}}\n`);
    out.end();
    await finished(out).catch(() => undefined);
    if (out.errored) throw new Error(`cannot write '${file}': ${fsReason(out.errored)}`);
    atomic.commit();
    return { images: imageId, annotations: annId };
  } catch (err) {
    out.destroy();
    atomic.abort();
    throw err;
  }
}

async function write(out: WriteStream, file: string, chunk: string): Promise<void> {
  if (out.errored) throw new Error(`cannot write '${file}': ${fsReason(out.errored)}`);
  if (!out.write(chunk)) await once(out, 'drain');
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
