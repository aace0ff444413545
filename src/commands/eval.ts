/**
 * `segstream eval --gt gt.json --results results.jsonl [--json out.json]`: COCO mask AP of a
 * results file against a ground-truth dataset (see src/core/eval/). Prints a table to stdout;
 * `--json PATH` also writes every metric as JSON (`--json -`: JSON to stdout instead of the table).
 * Exit codes: 0 done, 1 unreadable or invalid input, 2 usage error.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { cocoEvalSegm, type CocoEvalResult } from '../core/eval/coco-eval.js';
import { evaluateTracking, type TrackingMetrics } from '../core/eval/mot-metrics.js';
import { trackingFrames } from '../core/eval/tracking-frames.js';
import { EvalInputError, loadGroundTruth, loadResults, type DetectionAreaSource, type LoadedResults } from '../core/eval/load.js';
import { evalSemanticJsonl, evalSemanticJsonlFiles, evalSemanticPngs, jsonlHasSemantic, type SemanticEvalResult } from '../core/eval/semantic-load.js';
import { LabelPngFolder } from '../core/eval/label-png-folder.js';
import { batchJsonlFiles, pairBatchLabels } from '../core/eval/batch-label-pairs.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

export const EVAL_USAGE = `Usage: segstream eval --gt GT.json --results RESULTS [--json OUT.json]

COCO instance-segmentation metrics (pycocotools COCOeval, iouType 'segm') of RESULTS against GT.

  --gt PATH        ground truth: a COCO dataset with RLE masks (images carry seq; image id = seq + 1),
                   or a folder of PNG label maps (semantic results only; below)
  --results PATH   our JSONL results, a COCO results list (loadRes format), or a COCO dataset with
                   scored annotations (the --coco writer's .dataset.json); told apart by content.
                   A detection's size range (APs/APm/APl) uses pycocotools' area: bbox w*h in a
                   results list whose first entry has a bbox, the annotation's area in a
                   dataset, else the mask's pixels (JSONL always); or a folder of PNG label maps;
                   or a batch's output folder (semantic JSONL files, scored against PNGs by name)
  --json PATH      also write all metrics as JSON to PATH ('-': print JSON instead of the table)

When GT annotations carry track_id and results carry track ids (JSONL trackId, COCO track_id),
a tracking block follows: MOTA, IDF1, IDSW, FRAG, HOTA, DetA, AssA (mask IoU >= 0.5).

Table: AP = mean over IoU 0.50:0.95, AP50/AP75 at one IoU; mIoU and Dice are the means over the
detections matched at IoU >= 0.5; TP/FP/FN count that matching; '-' where a class has no GT.

Semantic results (JSONL frames with a "semantic" map, from --task semantic or --semantic-model):
the GT becomes per-pixel classes (category id of the annotation covering a pixel, 0 = background,
crowd = 255 = ignored), and one confusion matrix over all frames gives per-class Dice and IoU,
mean IoU (classes present in GT or prediction), pixel accuracy and frequency-weighted IoU. When the
frames carry instances too (panoptic), PQ/SQ/RQ per class (COCO panoptic: match at IoU > 0.5)
and the COCO table follow.

PNG label maps: --gt and/or --results may be a folder of PNGs, one per frame, each an 8-bit (or
less) grayscale or palette PNG whose pixel value (palette index) is the class id; 255 = ignored
in the GT. Frame seq k is the folder's k-th file: by the number in the names when every name has
one (000001.png, frame_17.png; the numbers must not skip, a gap is a missing frame), else by name.
A map must have its frame's size; every result frame needs a GT map. Classes: the GT's categories
(COCO GT) or the ids that occur (PNG GT, named by the JSONL labels); PNG GT gives no panoptic or
COCO instance scores.

A batch's output folder (segstream run DIR -o OUT/, a .jsonl beside each output) as --results is
scored against --gt GT, a folder of PNG label maps matched by name, the VOC way: OUT/a/b.jsonl
against GT/a/b.png (a photo), or against the folder GT/a/b/ (a video's frames, ordered as above).
Results without a map and maps without a result are counted in a warning, not scored.`;

/** Runs the command; `argv` is what follows `eval` (a leading 'eval' is skipped too). */
export async function evalCommand(argv: string[]): Promise<number> {
  let gtPath: string;
  let resultsPath: string;
  let jsonPath: string | undefined;
  try {
    const { values, positionals } = parseOptions(argv, {
      gt: { type: 'string' },
      results: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }, true);
    if (values.help) {
      process.stdout.write(EVAL_USAGE + '\n');
      return 0;
    }
    const extra = positionals[0] === 'eval' ? positionals.slice(1) : positionals;
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (!values.gt) throw new UsageError('missing --gt PATH (the ground-truth COCO json)');
    if (!values.results) throw new UsageError('missing --results PATH (JSONL or COCO results)');
    gtPath = values.gt;
    resultsPath = values.results;
    jsonPath = values.json;
  } catch (err) {
    process.stderr.write(`segstream: error: ${(err as Error).message.split('\n')[0]}\nTry 'segstream eval --help'.\n`);
    return 2;
  }

  try {
    const batchFiles = isDirectory(resultsPath) ? batchJsonlFiles(resultsPath) : [];
    if (batchFiles.length > 0) return await evalBatch(gtPath, resultsPath, batchFiles, jsonPath);
    const gtPngs = isDirectory(gtPath) ? new LabelPngFolder(gtPath, 'gt') : null;
    const gt = gtPngs ?? (await loadGroundTruth(gtPath));
    const resultPngs = isDirectory(resultsPath) ? new LabelPngFolder(resultsPath, 'results') : null;
    if (resultPngs || (await jsonlHasSemantic(resultsPath))) {
      const sem = resultPngs ? await evalSemanticPngs(resultPngs, gt) : await evalSemanticJsonl(resultsPath, gt);
      if (sem.frames === 0) throw new EvalInputError(`results ${resultsPath}: no semantic frame matches a ground-truth image (by seq)`);
      if (sem.framesWithoutGt) process.stderr.write(`segstream eval: warning: ${sem.framesWithoutGt} result frame(s) have no ground-truth image: not evaluated\n`);
      if (sem.errorFrames) process.stderr.write(`segstream eval: warning: ${sem.errorFrames} frame(s) failed in the pipeline (no map): not evaluated\n`);
      // Panoptic results carry instances too: their COCO metrics follow (a COCO GT has the instances).
      const inst = resultPngs || gt instanceof LabelPngFolder ? undefined : await loadResults(resultsPath, gt);
      const coco = inst && inst.detections.length > 0 && !(gt instanceof LabelPngFolder)
        ? cocoEvalSegm({ images: gt.images, categories: gt.categories, gt: gt.annotations, dets: inst.detections })
        : undefined;
      const resultsFormat = resultPngs ? 'png-label-maps' : 'jsonl-semantic';
      const report = { gt: gtPath, ...(gtPngs ? { gtFormat: 'png-label-maps' } : {}), results: resultsPath, resultsFormat, semantic: sem, ...(coco ? { instances: coco } : {}) };
      if (jsonPath === '-') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        process.stdout.write(formatSemanticTable(sem, { gt: gtPath, results: resultsPath }));
        if (coco && inst) process.stdout.write('\n' + formatTable(coco, { gt: gtPath, results: resultsPath, format: inst.format, detectionArea: inst.detectionArea }));
        if (jsonPath !== undefined) await writeReport(jsonPath, report);
      }
      return 0;
    }
    if (gt instanceof LabelPngFolder) {
      if (!existsSync(resultsPath)) throw new EvalInputError(`cannot read results ${resultsPath}: ENOENT`);
      throw new EvalInputError(`gt ${gtPath} is a folder of PNG label maps: it scores semantic results, and ${resultsPath} has no semantic maps`);
    }
    const results = await loadResults(resultsPath, gt);
    const metrics = cocoEvalSegm({ images: gt.images, categories: gt.categories, gt: gt.annotations, dets: results.detections });
    const frames = trackingFrames(gt.images, gt.annotations, results.detections);
    const tracking = frames ? evaluateTracking(frames, { iouThreshold: 0.5, similarity: 'mask' }) : undefined;
    for (const w of warnings(results)) process.stderr.write(`segstream eval: warning: ${w}\n`);
    const report = {
      gt: gtPath, results: resultsPath, resultsFormat: results.format, input: inputSummary(results), ...metrics,
      ...(tracking ? { tracking: trackingReport(tracking) } : {}),
    };
    if (jsonPath === '-') {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      process.stdout.write(formatTable(metrics, { gt: gtPath, results: resultsPath, format: results.format, detectionArea: results.detectionArea }));
      if (tracking) process.stdout.write(formatTracking(tracking));
      if (jsonPath !== undefined) await writeReport(jsonPath, report);
    }
    return 0;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    process.stderr.write(`segstream: error: ${msg}\n`);
    if (!(err instanceof EvalInputError) && process.env.SEGSTREAM_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

/**
 * A batch's results folder (its .jsonl files) against a folder of PNG label maps, matched by name
 * (src/core/eval/batch-label-pairs.ts); results or maps without a partner are counted and named.
 */
async function evalBatch(gtPath: string, resultsPath: string, files: string[], jsonPath: string | undefined): Promise<number> {
  if (!isDirectory(gtPath)) {
    throw new EvalInputError(`results ${resultsPath} is a batch's folder (.jsonl files): its ground truth is a folder of PNG label maps named like the inputs (GT/<name>.png), not ${gtPath}; to score against a COCO file pass one JSONL`);
  }
  const { pairs, withoutGt, gtWithoutResults } = pairBatchLabels(resultsPath, gtPath, files);
  const lookedFor = (rel: string): string => path.join(gtPath, rel.replace(/\.jsonl$/, '.png'));
  if (pairs.length === 0) throw new EvalInputError(`results ${resultsPath}: no result has a label map of its name under ${gtPath} (looked for ${lookedFor(withoutGt[0])})`);
  // One file at a time, up to the first with a map: a batch may hold thousands.
  let anySemantic = false;
  for (const p of pairs) if ((anySemantic = await jsonlHasSemantic(p.results))) break;
  if (!anySemantic) throw new EvalInputError(`results ${resultsPath}: the batch's results have no semantic maps (run it with --task semantic or --semantic-model)`);
  const sem = await evalSemanticJsonlFiles(pairs);
  if (withoutGt.length) process.stderr.write(`segstream eval: warning: ${withoutGt.length} result file(s) have no label map of their name: not evaluated (${withoutGt[0]}: no ${lookedFor(withoutGt[0])})\n`);
  if (gtWithoutResults.length) process.stderr.write(`segstream eval: warning: ${gtWithoutResults.length} label map(s) have no result of their name: not evaluated (${path.join(gtPath, gtWithoutResults[0])})\n`);
  if (sem.errorFrames) process.stderr.write(`segstream eval: warning: ${sem.errorFrames} frame(s) failed in the pipeline (no map): not evaluated\n`);
  const report = {
    gt: gtPath, gtFormat: 'png-label-maps', results: resultsPath, resultsFormat: 'batch-jsonl',
    batch: { scored: pairs.length, withoutGt, gtWithoutResults }, semantic: sem,
  };
  if (jsonPath === '-') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write(formatSemanticTable(sem, { gt: gtPath, results: `${resultsPath} (${pairs.length} results matched by name)` }));
    if (jsonPath !== undefined) await writeReport(jsonPath, report);
  }
  return 0;
}

/** True for an existing directory (a folder of PNG label maps); anything else is read as a file. */
function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The tracking numbers for --json, without HOTA's per-α table. */
function trackingReport(t: TrackingMetrics): Record<string, unknown> {
  const { hota, ...rest } = t;
  return { ...rest, hota: hota.hota, detA: hota.detA, assA: hota.assA, locA: hota.locA };
}

/** The tracking block of the report: after the COCO table, when both sides carry ids. */
export function formatTracking(t: TrackingMetrics): string {
  return (
    '\n' +
    `Tracking (mask IoU >= 0.5; ${t.gtIds} GT tracks, ${t.predIds} predicted tracks, ${t.frames} frames)\n` +
    `MOTA ${f3(t.mota)}  IDF1 ${f3(t.idf1)}  IDSW ${t.switches}  FRAG ${t.fragmentations}  ` +
    `HOTA ${f3(t.hota.hota)}  DetA ${f3(t.hota.detA)}  AssA ${f3(t.hota.assA)}\n` +
    `FP ${t.falsePositives}  FN ${t.misses}  IDP ${f3(t.idp)}  IDR ${f3(t.idr)}  MOTP ${f3(t.motp)} (1 - IoU)\n` +
    'MOTA/IDF1/IDSW/FRAG as py-motmetrics, HOTA/DetA/AssA as TrackEval; untracked detections left out.\n'
  );
}

function inputSummary(r: LoadedResults): Record<string, unknown> {
  return {
    detectionArea: r.detectionArea,
    frames: r.frames,
    errorFrames: r.errorFrames,
    framesWithoutGt: r.framesWithoutGt,
    detectionsWithoutGt: r.detectionsWithoutGt,
    unknownClasses: [...r.unknownClasses].map(([id, u]) => ({ id, label: u.label, detections: u.count })),
  };
}

function warnings(r: LoadedResults): string[] {
  const out: string[] = [];
  if (r.framesWithoutGt) {
    out.push(`${r.framesWithoutGt} result frame(s) (${r.detectionsWithoutGt} detections) have no ground-truth image: not evaluated`);
  }
  for (const [id, u] of r.unknownClasses) {
    out.push(`${u.count} detection(s) of class ${id}${u.label ? ` '${u.label}'` : ''}: no such ground-truth category, not evaluated`);
  }
  if (r.errorFrames) out.push(`${r.errorFrames} frame(s) failed in the pipeline (no detections)`);
  return out;
}

const f3 = (v: number | null): string => (v === null || v < 0 ? '-' : v.toFixed(3));

/** What decided the detections' size ranges, for the report's first line. */
const AREA_TEXT: Record<DetectionAreaSource, string> = {
  mask: 'detection area = mask pixels',
  bbox: 'detection area = bbox w*h',
  annotation: 'detection area = annotation area',
};

/** The human-readable report. */
export function formatTable(m: CocoEvalResult, src: { gt: string; results: string; format: string; detectionArea: DetectionAreaSource }): string {
  const lines: string[] = [];
  const c = m.counts;
  lines.push(`COCO segm evaluation of ${src.results} (${src.format}, ${AREA_TEXT[src.detectionArea]}) against ${src.gt}`);
  lines.push(`${c.images} images, ${c.categories} categories, ${c.gt} GT instances${c.crowdGt ? ` (+${c.crowdGt} crowd)` : ''}, ${c.detections} detections`);
  lines.push('');
  lines.push(
    `AP ${f3(m.ap)}  AP50 ${f3(m.ap50)}  AP75 ${f3(m.ap75)}  APs ${f3(m.apSmall)}  APm ${f3(m.apMedium)}  APl ${f3(m.apLarge)}  ` +
      `AR1 ${f3(m.ar1)}  AR10 ${f3(m.ar10)}  AR100 ${f3(m.ar100)}`,
  );
  lines.push('');
  const header = ['class', 'AP', 'AP50', 'AP75', 'mIoU', 'Dice', 'GT', 'dets', 'TP', 'FP', 'FN'];
  const rows: string[][] = m.categories.map((k) => [
    `${k.id} ${k.name}`, f3(k.ap), f3(k.ap50), f3(k.ap75), f3(k.meanIou), f3(k.meanDice),
    String(k.gt), String(k.detections), String(k.matched), String(k.falsePositives), String(k.misses),
  ]);
  rows.push([
    'all', f3(m.ap), f3(m.ap50), f3(m.ap75), f3(m.meanIou), f3(m.meanDice),
    String(c.gt), String(c.detections), String(c.matched), String(c.falsePositives), String(c.misses),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  lines.push(fmt(header));
  rows.forEach((r, i) => {
    if (i === rows.length - 1) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    lines.push(fmt(r));
  });
  if (c.ignoredDetections || c.truncatedDetections) {
    lines.push('');
    if (c.ignoredDetections) lines.push(`${c.ignoredDetections} detection(s) fell on crowd regions (ignored)`);
    if (c.truncatedDetections) lines.push(`${c.truncatedDetections} detection(s) beyond 100 per image and class (not evaluated)`);
  }
  lines.push('');
  lines.push('AP: mean over IoU 0.50:0.95 (101-point, COCO); mIoU/Dice/TP/FP/FN: matches at IoU >= 0.5, all areas, <= 100 dets.');
  return lines.join('\n') + '\n';
}

/** The semantic report: one row per class (Dice, IoU, pixels), then the summary metrics. */
export function formatSemanticTable(m: SemanticEvalResult, src: { gt: string; results: string }): string {
  const lines: string[] = [];
  lines.push(`semantic evaluation of ${src.results} against ${src.gt} (per-pixel classes; 255 = ignored)`);
  lines.push(`${m.frames} frames, ${m.pixels} pixels scored, ${m.ignoredPixels} ignored`);
  lines.push('');
  const header = ['class', 'Dice', 'IoU', 'GT px', 'pred px'];
  const rows = m.classes.map((c) => [`${c.classId} ${c.name}`, f3(c.dice), f3(c.iou), String(c.gtPixels), String(c.predPixels)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  lines.push(fmt(header));
  for (const r of rows) lines.push(fmt(r));
  lines.push('');
  lines.push(`mIoU ${f3(m.meanIou)}  mean Dice ${f3(m.meanDice)}  pixel accuracy ${f3(m.pixelAccuracy)}  fwIoU ${f3(m.frequencyWeightedIou)}`);
  if (m.panoptic) {
    const p = m.panoptic;
    lines.push('');
    lines.push(`panoptic (instances = things over the semantic background = stuff): PQ ${f3(p.pq)}  SQ ${f3(p.sq)}  RQ ${f3(p.rq)}`);
    const name = (id: number) => m.classes[id]?.name ?? `class ${id}`;
    const prow = [['class', 'PQ', 'SQ', 'RQ', 'TP', 'FP', 'FN'], ...p.classes.map((c) => [`${c.categoryId} ${name(c.categoryId)}`, f3(c.pq), f3(c.sq), f3(c.rq), String(c.tp), String(c.fp), String(c.fn)])];
    const pw = prow[0].map((_, i) => Math.max(...prow.map((r) => r[i].length)));
    for (const r of prow) lines.push(r.map((v, i) => (i === 0 ? v.padEnd(pw[i]) : v.padStart(pw[i]))).join('  ').trimEnd());
  }
  return lines.join('\n') + '\n';
}

/** `--json FILE`: the report as JSON; a file that cannot be written is one line. */
async function writeReport(jsonPath: string, report: object): Promise<void> {
  try {
    await writeFile(jsonPath, JSON.stringify(report, null, 2) + '\n');
  } catch (err) {
    throw new EvalInputError(`cannot write ${jsonPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
