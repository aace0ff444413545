/**
 * One PNG label map as the ground truth of a one-frame result (a photo of a batch, scored by
 * name: src/core/eval/batch-label-pairs.ts). Reads as {@link LabelPngFolder} does, frame 0 only.
 */
import { readFileSync } from 'node:fs';
import { EvalInputError } from './load.js';
import { decodeLabelPng, LabelPngError, type LabelImage } from './label-png.js';

export class LabelPngFile {
  /** @param role 'gt' or 'results': starts each error message. */
  constructor(readonly file: string, private readonly role: string) {}

  /** The label map, which must be frame 0 and, given `expect`, of that size. */
  read(seq: number, expect?: { width: number; height: number }): LabelImage {
    if (seq !== 0) throw new EvalInputError(`${this.role} ${this.file}: one label map (frame 0), but the results have frame ${seq} (a video's maps go in a folder named like it)`);
    let img: LabelImage;
    try {
      img = decodeLabelPng(readFileSync(this.file));
    } catch (err) {
      if (err instanceof LabelPngError) throw new EvalInputError(`${this.role} ${this.file}: ${err.message}`);
      throw new EvalInputError(`${this.role} ${this.file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (expect && (img.width !== expect.width || img.height !== expect.height)) {
      throw new EvalInputError(`${this.role} ${this.file}: label map is ${img.width}x${img.height}, the result is ${expect.width}x${expect.height}`);
    }
    return img;
  }
}
