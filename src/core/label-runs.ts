/**
 * Per-class COCO RLE of a column-major label map in one pass over its runs. Inside a run the scan
 * steps four labels at a time through a Uint32 view (a word of four equal bytes), so long runs
 * cost a quarter of a per-byte scan; the result is the same as comparing byte by byte.
 */
import type { SemanticRegion } from './types.js';

/**
 * Per-class COCO RLE of a column-major label map (`n` = width * height labels in 0..classes-1):
 * the classes present, ascending by classId.
 */
export function encodeLabelRuns(
  colLabels: Uint8Array,
  n: number,
  width: number,
  height: number,
  classes: number,
  labels: readonly string[],
): SemanticRegion[] {
  const counts: number[][] = Array.from({ length: classes }, () => []);
  const lastEnd = new Float64Array(classes);
  const pixels = new Float64Array(classes);
  // Whole words lie in [0, wordEnd) of the map; the view needs a 4-aligned start.
  const aligned = colLabels.byteOffset % 4 === 0;
  const words = aligned ? new Uint32Array(colLabels.buffer, colLabels.byteOffset, n >>> 2) : new Uint32Array(0);
  const wordEnd = aligned ? n & ~3 : 0;
  const wordCount = wordEnd >>> 2;
  let start = 0;
  let p = 1;
  for (;;) {
    // Extend the run of colLabels[start] from p: bytes up to a word boundary, then whole words.
    const cur = colLabels[start];
    while (p < n && (p & 3) !== 0 && colLabels[p] === cur) p++;
    if (p < n && colLabels[p] === cur) {
      // At a word boundary, still in the run.
      if (p < wordEnd) {
        const rep = (cur * 0x01010101) >>> 0;
        let q = p >>> 2;
        while (q < wordCount && words[q] === rep) q++;
        p = q << 2;
      }
      while (p < n && colLabels[p] === cur) p++;
    }
    counts[cur].push(start - lastEnd[cur], p - start);
    pixels[cur] += p - start;
    lastEnd[cur] = p;
    if (p >= n) break;
    start = p++;
  }
  return regions(counts, lastEnd, pixels, n, width, height, classes, labels);
}

/**
 * The same as {@link encodeLabelRuns}, from the runs' ends already found (ArgmaxKernel.runEnds):
 * one step per run instead of a scan of the map.
 */
export function encodeRunEnds(
  colLabels: Uint8Array,
  ends: Uint32Array,
  n: number,
  width: number,
  height: number,
  classes: number,
  labels: readonly string[],
): SemanticRegion[] {
  const counts: number[][] = Array.from({ length: classes }, () => []);
  const lastEnd = new Float64Array(classes);
  const pixels = new Float64Array(classes);
  let start = 0;
  for (let r = 0; r < ends.length; r++) {
    const e = ends[r], cur = colLabels[start];
    counts[cur].push(start - lastEnd[cur], e - start);
    pixels[cur] += e - start;
    lastEnd[cur] = e;
    start = e;
  }
  return regions(counts, lastEnd, pixels, n, width, height, classes, labels);
}

/** Each present class's RLE, its trailing zeros closed. */
function regions(
  counts: number[][], lastEnd: Float64Array, pixels: Float64Array, n: number,
  width: number, height: number, classes: number, labels: readonly string[],
): SemanticRegion[] {
  const out: SemanticRegion[] = [];
  for (let k = 0; k < classes; k++) {
    if (pixels[k] === 0) continue;
    const c = counts[k];
    if (lastEnd[k] < n) c.push(n - lastEnd[k]);
    out.push({ classId: k, label: labels[k] ?? `class ${k}`, pixels: pixels[k], mask: { size: [height, width], counts: c } });
  }
  return out;
}
