/**
 * Replays a tracker over saved detections, to tune it without running the model again:
 *
 *   node bin/segstream.js synth --seed 2000 --frames 100 -o DIR/c2000.mp4
 *   node bin/segstream.js run DIR/c2000.mp4 -o DIR/d2000.mp4 --no-track --score 0.05 --class-agnostic
 *   npm run build && node dist/bench/tracker-replay.js --dir DIR --seeds 2000-2039 [--byte '{"lostBufferSeconds":2}']
 *                                                      [--display 0.5] [--tracker byte|iou] [--analyze] [--timeline]
 *
 * DIR/cSEED.json is synth's ground truth, DIR/dSEED.jsonl every detection the model gave (down to
 * its in-graph 0.05). Each clip goes through the tracker and then the compositor's score floor at
 * `--display` (what `segstream run` writes), and is scored like `segstream eval` (mask IoU 0.5).
 * `--analyze` sorts every ground-truth occurrence the tracker did not get right (IDFN) by why:
 * no detection of it at all, only a low-score one, a confident one left without an id, or one
 * given the wrong id (fragments and switches). `--timeline` draws each object's frames (see
 * {@link timeline}). Without `--byte` the tracker runs with its defaults (low threshold 0.1, high =
 * `--display`, as `segstream run` sets them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadGroundTruth } from '../src/core/eval/load.js';
import { evaluateTracking, type MotFrame } from '../src/core/eval/mot-metrics.js';
import { rleCountsFromString, rleIou } from '../src/core/rle.js';
import { ScoreFloorStage } from '../src/compositor/stages/score-floor-stage.js';
import { ByteTracker, type ByteTrackerOptions } from '../src/core/tracking/byte-tracker.js';
import { IouTracker } from '../src/core/tracking/iou-tracker.js';
import { minCostAssignment } from '../src/core/tracking/linear-assignment.js';
import type { Tracker } from '../src/core/tracking/tracker.js';
import type { FrameResult, Instance } from '../src/core/types.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/trk' },
    seeds: { type: 'string', default: '2000-2039' },
    byte: { type: 'string', default: '{}' },
    tracker: { type: 'string', default: 'byte' },
    display: { type: 'string', default: '0.5' },
    analyze: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
  },
});

function seedList(spec: string): number[] {
  return spec.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

interface Line { seq: number; ptsMs: number; width: number; height: number; instances: { classId: number; label: string; score: number; box: number[]; mask: { size: [number, number]; counts: string } }[] }

function readDetections(file: string): FrameResult[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line).filter((l) => 'seq' in l).map((l) => ({
    streamId: 's', seq: l.seq, ptsMs: l.ptsMs, width: l.width, height: l.height, inferMs: 0,
    instances: l.instances.map((i): Instance => ({
      classId: i.classId, label: i.label, score: i.score, box: i.box as Instance['box'],
      mask: { size: i.mask.size, counts: rleCountsFromString(i.mask.counts) },
    })),
  }) as FrameResult);
}

const display = Number(values.display);
const byteOptions = JSON.parse(values.byte!) as ByteTrackerOptions;
const make = (): Tracker => (values.tracker === 'iou' ? new IouTracker({ minScore: display }) : new ByteTracker({ lowThreshold: 0.1, highThreshold: display, ...byteOptions }));

const why = { undetected: 0, otherClassOnly: 0, lowScoreOnly: 0, noId: 0, wrongId: 0 };
const rows: { seed: number; mota: number; idf1: number; idsw: number; frag: number; gtIds: number; predIds: number; gt: number; idfn: number; idfp: number; fn: number; fp: number }[] = [];
for (const seed of seedList(values.seeds!)) {
  const gt = await loadGroundTruth(path.join(values.dir!, `c${seed}.json`));
  const dets = readDetections(path.join(values.dir!, `d${seed}.jsonl`));
  const tracker = make();
  const floor = new ScoreFloorStage(display);
  const bySeq = new Map(gt.images.map((im) => [im.id, im.seq]));
  const frames: MotFrame[] = dets.map(() => ({ gt: [], pred: [] }));
  for (const a of gt.annotations) if (a.trackId !== undefined && !a.iscrowd) frames[bySeq.get(a.imageId)!]?.gt.push({ id: a.trackId, classId: a.categoryId, mask: a.mask });
  dets.forEach((d, f) => {
    const out = floor.process({ ...d, instances: tracker.update(d.instances, d.ptsMs) });
    frames[f].pred = out.instances.filter((i) => i.trackId !== undefined).map((i) => ({ id: i.trackId!, classId: i.classId, mask: i.mask }));
  });
  const m = evaluateTracking(frames, { iouThreshold: 0.5, similarity: 'mask' });
  rows.push({ seed, mota: m.mota, idf1: m.idf1, idsw: m.switches, frag: m.fragmentations, gtIds: m.gtIds, predIds: m.predIds, gt: m.gt, idfn: m.idfn, idfp: m.idfp, fn: m.misses, fp: m.falsePositives });
  if (values.analyze) analyze(frames, dets);
  if (values.timeline) timeline(seed, frames, dets);
}

/**
 * One line per ground-truth object, one character per frame: the id (1 = a, 2 = b, ...) of the output
 * instance covering it (mask IoU >= 0.5, its class; in upper case when of another class), '-' when
 * only a low-score detection does, ':' when no detection of any score does, 'x' when only a confident
 * one of another class does, '.' otherwise.
 */
function timeline(seed: number, frames: MotFrame[], dets: FrameResult[]): void {
  const ids = [...new Set(frames.flatMap((f) => f.gt.map((g) => g.id)))].sort((a, b) => a - b);
  for (const id of ids) {
    let line = '';
    frames.forEach((f, k) => {
      const g = f.gt.find((x) => x.id === id);
      if (!g) return void (line += ' ');
      const p = f.pred.find((x) => rleIou(g.mask!, x.mask!) >= 0.5);
      const letter = p ? String.fromCharCode(97 + ((p.id - 1) % 26)) : '';
      if (p) return void (line += p.classId === g.classId ? letter : letter.toUpperCase());
      const d = dets[k].instances.filter((x) => rleIou(g.mask!, x.mask) >= 0.5);
      line += d.length === 0 ? ':' : d.some((x) => x.score >= display && x.classId === g.classId) ? '.' : d.some((x) => x.score >= display) ? 'x' : '-';
    });
    console.log(`${seed} gt${String(id).padStart(2)} ${line}`);
  }
}

/** Splits the clip's IDFN by cause, using the same global id mapping as IDF1. */
function analyze(frames: MotFrame[], dets: FrameResult[]): void {
  const gIdx = new Map<number, number>(), pIdx = new Map<number, number>();
  for (const f of frames) {
    for (const g of f.gt) if (!gIdx.has(g.id)) gIdx.set(g.id, gIdx.size);
    for (const p of f.pred) if (!pIdx.has(p.id)) pIdx.set(p.id, pIdx.size);
  }
  const ng = gIdx.size, np = pIdx.size;
  const co = new Float64Array(ng * np);
  const iou = (a: MotFrame['gt'][number], b: { classId?: number; mask?: Instance['mask'] }): number => (a.classId === b.classId ? rleIou(a.mask!, b.mask!) : 0);
  for (const f of frames) for (const g of f.gt) for (const p of f.pred) if (iou(g, p) >= 0.5) co[gIdx.get(g.id)! * np + pIdx.get(p.id)!]++;
  const cost = co.map((v) => -v);
  const a = minCostAssignment(cost, ng, np);
  frames.forEach((f, k) => {
    for (const g of f.gt) {
      const mapped = a.rowToCol[gIdx.get(g.id)!];
      const hits = f.pred.filter((p) => iou(g, p) >= 0.5);
      if (hits.some((p) => pIdx.get(p.id) === mapped && co[gIdx.get(g.id)! * np + mapped] > 0)) continue;
      if (hits.length) { why.wrongId++; continue; }
      const best = Math.max(0, ...dets[k].instances.filter((d) => iou(g, d) >= 0.5).map((d) => d.score));
      if (best === 0 && dets[k].instances.some((d) => rleIou(g.mask!, d.mask) >= 0.5)) why.otherClassOnly++;
      else if (best === 0) why.undetected++;
      else if (best < display) why.lowScoreOnly++;
      else why.noId++;
    }
  });
}

const f3 = (v: number): string => v.toFixed(3);
if (!values.quiet) {
  console.log('seed   MOTA   IDF1   IDSW  FRAG  GTids  predIds     GT    FN    FP');
  for (const r of rows) console.log(`${r.seed}  ${f3(r.mota)}  ${f3(r.idf1)}  ${String(r.idsw).padStart(4)}  ${String(r.frag).padStart(4)}  ${String(r.gtIds).padStart(5)}  ${String(r.predIds).padStart(7)}  ${String(r.gt).padStart(5)} ${String(r.fn).padStart(5)} ${String(r.fp).padStart(5)}`);
}
const mean = (k: 'mota' | 'idf1'): number => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const min = (k: 'mota' | 'idf1'): number => Math.min(...rows.map((r) => r[k]));
const failing = rows.filter((r) => r.idf1 < 0.9 || r.mota < 0.85 || r.idsw >= r.gtIds).length;
console.log(`${values.byte}  clips ${rows.length}  IDF1 mean ${f3(mean('idf1'))} min ${f3(min('idf1'))}  MOTA mean ${f3(mean('mota'))} min ${f3(min('mota'))}  IDSW ${rows.reduce((s, r) => s + r.idsw, 0)}  failing bars ${failing}`);
if (values.analyze) {
  const gtTotal = rows.reduce((s, r) => s + r.gt, 0), idfn = rows.reduce((s, r) => s + r.idfn, 0);
  console.log(`GT ${gtTotal}  IDFN ${idfn}  IDFP ${rows.reduce((s, r) => s + r.idfp, 0)}  IDFN by cause: ${Object.entries(why).map(([k, v]) => `${k} ${v} (${(100 * v / idfn).toFixed(1)}%)`).join(', ')}`);
}
