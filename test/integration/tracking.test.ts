import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadGroundTruth, loadResults } from '../../src/core/eval/load.js';
import { evaluateTracking, type TrackingMetrics } from '../../src/core/eval/mot-metrics.js';
import { trackingFrames } from '../../src/core/eval/tracking-frames.js';
import { IouTracker } from '../../src/core/tracking/iou-tracker.js';
import { rleCountsFromString } from '../../src/core/rle.js';
import { toJsonLine } from '../../src/core/results/jsonl-writer.js';
import type { Instance } from '../../src/core/types.js';
import { readJsonl } from './jsonl.js';
import { deleteKeys, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

/**
 * Tracking quality (issue 9) the way users run it: held-out synthetic clips (seeds the bundled
 * model never saw, models/MODEL_CARD.md) with crossing and occluding objects, through Redis with
 * two worker processes, produce and compose, scored by `segstream eval`. The baseline (greedy
 * frame-to-frame IoU, no motion model, no second stage) runs on the very detections the compose
 * wrote, so the table compares association and nothing else. (The IoU baseline uses only
 * detections >= 0.5, which is what the JSONL holds, with the classes ByteTrack's class vote gave
 * them: on the raw detections it does worse still, README "Tracking".)
 */
const SEEDS = [4242, 4243, 4244];
const tmp = tempDir('track');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
let workers: ChildProcess[] = [];

beforeAll(async () => {
  for (const seed of SEEDS) {
    const r = await runCli(['synth', '--seed', String(seed), '--frames', '100', '-o', path.join(tmp.dir, `c${seed}.mp4`)]);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterEach(async () => {
  await Promise.all(workers.map((w) => new Promise((res) => { w.once('exit', res); w.kill('SIGTERM'); })));
  workers = [];
});
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

/** The JSONL's frames re-tracked by the IoU baseline, scored against the GT like `eval` does. */
async function baseline(gtPath: string, jsonl: string): Promise<TrackingMetrics> {
  const gt = await loadGroundTruth(gtPath);
  const tracker = new IouTracker();
  const frames = readJsonl(jsonl).map((l) => {
    const inst: Instance[] = l.instances.map((i) => ({
      classId: i.classId, label: i.label, score: i.score, box: i.box as Instance['box'],
      mask: { size: i.mask.size, counts: rleCountsFromString(i.mask.counts) },
    }));
    return { ...l, instances: tracker.update(inst, l.ptsMs) };
  });
  const retracked = path.join(tmp.dir, `${path.basename(jsonl, '.jsonl')}.iou.jsonl`);
  writeFileSync(retracked, frames.map((f) => JSON.stringify(toJsonLine(f))).join('\n') + '\n');
  const res = await loadResults(retracked, gt);
  return evaluateTracking(trackingFrames(gt.images, gt.annotations, res.detections)!, { iouThreshold: 0.5, similarity: 'mask' });
}

interface Row { seed: number; tracker: string; m: { mota: number; idf1: number; switches: number; fragmentations: number; hota: number; gtIds: number; predIds: number } }

describe('tracking on held-out synthetic clips through Redis with two workers', () => {
  it('ByteTrack: IDF1 >= 0.90, MOTA >= 0.85 and IDSW < tracks on every clip, beats the IoU baseline', async () => {
    for (let i = 0; i < 2; i++) {
      const w = spawnCli(['work', '--class-agnostic', '--threads', '1'], env);
      workers.push(w);
      await waitForLine(w, /waiting for frames/);
    }
    const rows: Row[] = [];
    for (const seed of SEEDS) {
      const clip = path.join(tmp.dir, `c${seed}.mp4`);
      const out = path.join(tmp.dir, `p${seed}.mp4`);
      const mot = path.join(tmp.dir, `p${seed}.mot.txt`);
      const cvat = path.join(tmp.dir, `p${seed}.xml`);
      const stream = `track-${seed}`;
      const [p, c] = await Promise.all([
        runCli(['produce', clip, '--stream', stream], { env }),
        runCli(['compose', '--stream', stream, '-o', out, '--mot', mot, '--cvat', cvat], { env, timeoutMs: 300_000 }),
      ]);
      expect(p.code, p.stderr).toBe(0);
      expect(c.code, c.stderr).toBe(0);
      const gtPath = clip.replace(/\.mp4$/, '.json');
      const jsonl = out.replace(/\.mp4$/, '.jsonl');
      const e = await runCli(['eval', '--gt', gtPath, '--results', jsonl, '--json', '-']);
      expect(e.code, e.stderr).toBe(0);
      const t = (JSON.parse(e.stdout) as { tracking: Row['m'] }).tracking;
      expect(t, 'eval reports tracking when both sides have ids').toBeDefined();
      rows.push({ seed, tracker: 'ByteTrack', m: t });
      const b = await baseline(gtPath, jsonl);
      rows.push({ seed, tracker: 'IoU baseline', m: { ...b, hota: b.hota.hota } });
      // The track exports hold the same tracks as the JSONL.
      const jsonlIds = new Set(readJsonl(jsonl).flatMap((l) => l.instances.map((i) => (i as { trackId?: number }).trackId).filter((x) => x !== undefined)));
      const motIds = new Set(readFileSync(mot, 'utf8').trim().split('\n').map((l) => Number(l.split(',')[1])));
      expect(motIds).toEqual(jsonlIds);
      expect(existsSync(cvat)).toBe(true);
      expect(readFileSync(cvat, 'utf8').match(/<track id=/g)?.length).toBe(jsonlIds.size);
    }
    const fmt = (v: number): string => v.toFixed(3);
    console.log('seed  tracker        MOTA   IDF1   HOTA   IDSW  FRAG  GT ids  pred ids');
    for (const r of rows) {
      console.log(`${r.seed}  ${r.tracker.padEnd(13)}  ${fmt(r.m.mota)}  ${fmt(r.m.idf1)}  ${fmt(r.m.hota)}  ${String(r.m.switches).padStart(4)}  ${String(r.m.fragmentations).padStart(4)}  ${String(r.m.gtIds).padStart(6)}  ${String(r.m.predIds).padStart(8)}`);
    }
    const byte = rows.filter((r) => r.tracker === 'ByteTrack');
    const iou = rows.filter((r) => r.tracker !== 'ByteTrack');
    const mean = (rs: Row[], k: 'mota' | 'idf1'): number => rs.reduce((s, r) => s + r.m[k], 0) / rs.length;
    for (const r of byte) expect(r.m.switches, `seed ${r.seed}: ID switches vs GT tracks`).toBeLessThan(r.m.gtIds);
    // What ByteTrack buys over the baseline on the same detections.
    expect(mean(byte, 'idf1')).toBeGreaterThan(mean(iou, 'idf1'));
    expect(byte.reduce((s, r) => s + r.m.switches + r.m.fragmentations, 0)).toBeLessThan(iou.reduce((s, r) => s + r.m.switches + r.m.fragmentations, 0));
    // The bars, on every clip. (The defaults were tuned on seeds 2000-2039 and checked on
    // 2008, 2009, 2026, 2040-2043 with bench/tracker-replay.ts, never on these three.)
    for (const r of byte) {
      expect(r.m.idf1, `seed ${r.seed}: IDF1`).toBeGreaterThanOrEqual(0.9);
      expect(r.m.mota, `seed ${r.seed}: MOTA`).toBeGreaterThanOrEqual(0.85);
    }
  }, 900_000);
});
