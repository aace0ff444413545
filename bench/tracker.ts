/**
 * Tracker benchmark, two parts:
 *
 *   npm run build && node dist/bench/tracker.js [--frames 1000] [--objects 50] [--only speed|quality]
 *                                               [--clip-fps 10]
 *
 * 1. speed: `--objects` discs (random sizes and velocities, bouncing in a 1280x720 frame, crossing
 *    each other) for `--frames` frames at 30 fps; masks are built before timing, only `update` is
 *    timed. Prints ms/frame per tracker and similarity (target: under 1 ms at 50 objects).
 * 2. quality: synthetic clips (src/synth: moving shapes hiding each other, visible masks as ground
 *    truth) through a simulated detector — misses 5% of the objects, scores fall with the hidden
 *    fraction (so occluded objects come out low-score), boxes jitter by ~2 px, a false detection now
 *    and then — then every tracker; prints MOTA, IDF1, HOTA, ID switches and fragmentations
 *    (src/core/eval/mot-metrics.ts, mask IoU).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { evaluateTracking, type MotFrame } from '../src/core/eval/mot-metrics.js';
import { encodeRle } from '../src/core/rle.js';
import { ByteTracker } from '../src/core/tracking/byte-tracker.js';
import { IouTracker } from '../src/core/tracking/iou-tracker.js';
import type { Tracker } from '../src/core/tracking/tracker.js';
import type { BoxXYXY, Instance, Rle } from '../src/core/types.js';
import { Rng } from '../src/synth/prng.js';
import { synthFrames } from '../src/synth/synth-frames.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000' },
    objects: { type: 'string', default: '50' },
    only: { type: 'string' },
    /** Frame rate of the synthetic clips (objects move the same per second). */
    'clip-fps': { type: 'string', default: '10' },
  },
});

const TRACKERS: [string, () => Tracker][] = [
  ['iou (greedy baseline)', () => new IouTracker()],
  ['byte, box', () => new ByteTracker({ similarity: 'box' })],
  ['byte, mask', () => new ByteTracker({ similarity: 'mask' })],
  ['byte, mask+box', () => new ByteTracker({ similarity: 'mask+box' })],
];

/** COCO RLE of a disc, written column by column from the geometry. */
function discRle(cx: number, cy: number, r: number, w: number, h: number): Rle {
  const counts: number[] = [];
  let end = 0; // column-major position after the last set pixel
  for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, Math.ceil(cx + r)); x++) {
    const dx = x + 0.5 - cx;
    if (dx * dx >= r * r) continue;
    const half = Math.sqrt(r * r - dx * dx);
    const y0 = Math.max(0, Math.ceil(cy - half - 0.5)), y1 = Math.min(h, Math.floor(cy + half - 0.5) + 1);
    if (y0 >= y1) continue;
    const start = x * h + y0;
    if (start === end && counts.length > 0) counts[counts.length - 1] += y1 - y0;
    else counts.push(start - end, y1 - y0);
    end = x * h + y1;
  }
  if (end < w * h || counts.length === 0) counts.push(w * h - end);
  return { size: [h, w], counts };
}

function speed(frames: number, objects: number): void {
  const W = 1280, H = 720, fps = 30;
  const rng = new Rng(1);
  const objs = Array.from({ length: objects }, () => {
    const r = 15 + rng.next() * 35;
    return { x: r + rng.next() * (W - 2 * r), y: r + rng.next() * (H - 2 * r), r, vx: (rng.next() - 0.5) * 300, vy: (rng.next() - 0.5) * 200 };
  });
  const clip: Instance[][] = [];
  for (let f = 0; f < frames; f++) {
    const dets: Instance[] = [];
    for (const o of objs) {
      o.x += o.vx / fps;
      o.y += o.vy / fps;
      if (o.x < o.r || o.x > W - o.r) o.vx = -o.vx;
      if (o.y < o.r || o.y > H - o.r) o.vy = -o.vy;
      const box: BoxXYXY = [o.x - o.r, o.y - o.r, o.x + o.r, o.y + o.r];
      // Every tenth detection comes out low-score, as under partial occlusion.
      dets.push({ classId: 0, label: 'person', score: rng.next() < 0.1 ? 0.3 : 0.9, box, mask: discRle(o.x, o.y, o.r, W, H) });
    }
    clip.push(dets);
  }
  console.log(`speed: ${objects} objects, ${frames} frames of 1280x720 at 30 fps`);
  for (const [name, make] of TRACKERS) {
    // Two passes, the first warms the JIT up; the second is reported.
    let ms = 0;
    const ids = new Set<number>();
    for (let pass = 0; pass < 2; pass++) {
      const t = make();
      const outs: Instance[][] = [];
      const t0 = performance.now();
      for (let f = 0; f < frames; f++) outs.push(t.update(clip[f], (f * 1000) / fps));
      ms = (performance.now() - t0) / frames;
      ids.clear();
      for (const out of outs) for (const o of out) if (o.trackId !== undefined) ids.add(o.trackId);
    }
    console.log(`  ${name.padEnd(24)} ${ms.toFixed(3)} ms/frame   ids used: ${ids.size}`);
  }
}

interface QualityClip {
  seed: number;
  gt: MotFrame['gt'][];
  dets: Instance[][];
  ptsMs: number[];
}

/** A synthetic clip's ground truth and what a plausible detector would report on it. */
function makeClip(seed: number, frames: number, fps: number): QualityClip {
  const rng = new Rng(seed, 99);
  const clip: QualityClip = { seed, gt: [], dets: [], ptsMs: [] };
  const W = 320, H = 240;
  for (const fr of synthFrames({ seed, width: W, height: H, frames, fps, minObjects: 4, maxObjects: 8 })) {
    const gt: MotFrame['gt'] = [];
    const dets: Instance[] = [];
    for (const inst of fr.instances) {
      const mask = encodeRle(inst.mask, W, H, inst.box);
      gt.push({ id: inst.objectId, classId: inst.classId, mask, box: inst.box });
      if (rng.next() < 0.05) continue;
      const visible = inst.area / inst.fullArea;
      const score = Math.min(0.99, Math.max(0.05, 0.2 + 0.75 * visible + (rng.next() - 0.5) * 0.1));
      const j = (): number => (rng.next() - 0.5) * 4;
      const box: BoxXYXY = [inst.box[0] + j(), inst.box[1] + j(), inst.box[2] + j(), inst.box[3] + j()];
      dets.push({ classId: inst.classId, label: String(inst.classId), score, box, mask });
    }
    if (rng.next() < 0.1) {
      const x = rng.next() * (W - 40), y = rng.next() * (H - 40);
      const box: BoxXYXY = [x, y, x + 20 + rng.next() * 20, y + 20 + rng.next() * 20];
      const m = new Uint8Array(W * H);
      for (let yy = Math.floor(box[1]); yy < Math.ceil(box[3]); yy++) m.fill(1, yy * W + Math.floor(box[0]), yy * W + Math.ceil(box[2]));
      dets.push({ classId: 1 + Math.floor(rng.next() * 4), label: 'fp', score: 0.3 + rng.next() * 0.4, box, mask: encodeRle(m, W, H, box) });
    }
    clip.gt.push(gt);
    clip.dets.push(dets);
    clip.ptsMs.push(fr.ptsMs);
  }
  return clip;
}

function quality(fps: number): void {
  const seeds = [1, 2, 3, 4];
  const frames = Math.round(30 * fps);
  console.log(`quality: ${seeds.length} synthetic clips of 30 s (320x240, ${fps} fps, 4-8 shapes, occluding), mask IoU 0.5`);
  const clips = seeds.map((s) => makeClip(s, frames, fps));
  console.log(`  ${'tracker'.padEnd(24)}   MOTA   IDF1   HOTA   DetA   AssA   IDSW   FRAG`);
  for (const [name, make] of TRACKERS) {
    const all: MotFrame[] = [];
    for (const c of clips) {
      const t = make();
      c.dets.forEach((d, f) => {
        const out = t.update(d, c.ptsMs[f]);
        all.push({
          gt: c.gt[f].map((g) => ({ ...g, id: c.seed * 10000 + g.id })),
          pred: out.filter((o) => o.trackId !== undefined).map((o) => ({ id: c.seed * 10000 + o.trackId!, classId: o.classId, mask: o.mask })),
        });
      });
    }
    // Clips are concatenated with ids made unique per clip: one sequence, like py-motmetrics' merge.
    const m = evaluateTracking(all);
    const p = (v: number): string => v.toFixed(3).padStart(6);
    console.log(`  ${name.padEnd(24)} ${p(m.mota)} ${p(m.idf1)} ${p(m.hota.hota)} ${p(m.hota.detA)} ${p(m.hota.assA)} ${String(m.switches).padStart(6)} ${String(m.fragmentations).padStart(6)}`);
  }
}

if (values.only !== 'quality') speed(Number(values.frames), Number(values.objects));
if (values.only !== 'speed') quality(Number(values['clip-fps']));
