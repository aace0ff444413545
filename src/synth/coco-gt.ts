/**
 * COCO-format ground truth for a synthetic clip: one image per frame (id = seq + 1), one
 * annotation per visible instance with a pycocotools-compressed RLE mask, the bbox and area taken
 * from that RLE exactly as pycocotools computes them (`toBbox`, `area`).
 */
import path from 'node:path';
import { encodeRle, rleArea, rleCountsToString, rleToBbox } from '../core/rle.js';
import { SYNTH_CATEGORIES } from './categories.js';
import type { ResolvedSynthOptions } from './options.js';
import type { SynthFrame } from './synth-frames.js';

export interface CocoGtImage {
  id: number;
  seq: number;
  file_name: string;
  width: number;
  height: number;
  ptsMs: number;
}

export interface CocoGtAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: { size: [number, number]; counts: string };
  area: number;
  bbox: [number, number, number, number];
  iscrowd: 0;
  track_id: number;
  /** In-frame pixels of the whole shape before occlusion; `area / full_area` is how much shows. */
  full_area: number;
}

export interface CocoGt {
  info: { seed: number; width: number; height: number; fps: number; frames: number; generator: 'segstream synth' };
  images: CocoGtImage[];
  annotations: CocoGtAnnotation[];
  categories: { id: number; name: string; supercategory: 'shape' }[];
}

export class CocoGtBuilder {
  private readonly images: CocoGtImage[] = [];
  private readonly annotations: CocoGtAnnotation[] = [];

  /** @param videoName file name used in `images[].file_name` as `<videoName>#<seq>` */
  constructor(
    private readonly opts: ResolvedSynthOptions,
    private readonly videoName: string,
  ) {}

  get instanceCount(): number {
    return this.annotations.length;
  }

  add(frame: SynthFrame): void {
    const imageId = frame.seq + 1;
    this.images.push({
      id: imageId,
      seq: frame.seq,
      file_name: `${this.videoName}#${frame.seq}`,
      width: frame.width,
      height: frame.height,
      ptsMs: frame.ptsMs,
    });
    for (const inst of frame.instances) {
      const rle = encodeRle(inst.mask, frame.width, frame.height, inst.box);
      this.annotations.push({
        id: this.annotations.length + 1,
        image_id: imageId,
        category_id: inst.classId,
        segmentation: { size: [frame.height, frame.width], counts: rleCountsToString(rle.counts) },
        area: rleArea(rle),
        bbox: rleToBbox(rle),
        iscrowd: 0,
        track_id: inst.objectId,
        full_area: inst.fullArea,
      });
    }
  }

  build(): CocoGt {
    const o = this.opts;
    return {
      info: { seed: o.seed, width: o.width, height: o.height, fps: o.fps, frames: this.images.length, generator: 'segstream synth' },
      images: this.images,
      annotations: this.annotations,
      categories: SYNTH_CATEGORIES.map((c) => ({ id: c.id, name: c.name, supercategory: 'shape' as const })),
    };
  }
}

/** `clip.mp4` → `clip.json` (any other name gets `.json` appended). */
export function groundTruthPathFor(videoPath: string): string {
  const ext = path.extname(videoPath);
  return ext.toLowerCase() === '.mp4' ? videoPath.slice(0, -ext.length) + '.json' : videoPath + '.json';
}
