import type { MaskCrop } from './mask-crop.js';

/**
 * CVAT's mask RLE of a loaded crop, as CVAT stores a `<mask>`: runs over the tight box
 * (left, top, width, height) in row-major order, the first run counting zeros (0 when the box's
 * first pixel is set). Not COCO's RLE, which runs over the whole frame column by column: CVAT's
 * cvat-core `rle2Mask` fills a width×height array run by run in index order, and the exporter
 * (dataset_manager/formats/cvat.py) writes `rle` with left, top, width = right − left + 1 and
 * height = bottom − top + 1 beside it.
 */
export function cvatRle(crop: MaskCrop): number[] {
  const out: number[] = [];
  const { bits, stride, width, height } = crop;
  let value = 0;
  let run = 0;
  for (let y = 0; y < height; y++) {
    for (let i = (y + 1) * stride + 1, end = i + width; i < end; i++) {
      const v = bits[i];
      if (v === value) { run++; continue; }
      out.push(run);
      value = v;
      run = 1;
    }
  }
  out.push(run);
  return out;
}
