import { describe, expect, it } from 'vitest';
import { buildResultChain } from '../../../src/compositor/stages/registry.js';
import { ScoreFloorStage } from '../../../src/compositor/stages/score-floor-stage.js';
import { TrackerStage } from '../../../src/compositor/stages/tracker-stage.js';
import type { FrameResult } from '../../../src/core/types.js';
import { detectionsAt, type ScriptedObject, W, H } from '../../core/tracking/scene.js';

const FPS = 10;
// Two objects moving apart; B's score dips below the display score 0.5 for 2.5 s (frames 5-29,
// score 0.3): longer than the tracker's 2 s lost buffer, so only its low-score stage keeps B's id.
const objects: ScriptedObject[] = [
  { name: 'A', box: [20, 20, 80, 80], vx: 40, vy: 0 },
  { name: 'B', box: [400, 200, 460, 260], vx: -30, vy: 0, score: (t) => (t >= 0.5 && t < 3 ? 0.3 : 0.9) },
];

function frame(k: number, streamId = 's', displayScore?: number): FrameResult {
  return {
    streamId, seq: k, ptsMs: (k * 1000) / FPS, width: W, height: H,
    instances: detectionsAt(objects, FPS, k), ...(displayScore !== undefined ? { displayScore } : {}),
  };
}

/** The track id each named object got in a processed frame (by matching boxes back). */
function idsOf(r: FrameResult, k: number): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const d of detectionsAt(objects, FPS, k)) {
    const got = r.instances.find((i) => i.box.every((v, j) => v === d.box[j]));
    if (got) out[d.name] = got.trackId;
  }
  return out;
}

describe('result stages', () => {
  it('a fixed score floor (a camera\'s own score on a shared session) replaces the worker\'s mark', () => {
    const chain = buildResultChain({ track: false, scoreFloor: 0.5 });
    // The worker kept everything down to 0.1 and marked 0.1 for another camera: this one keeps 0.5.
    const r = chain.process(frame(10, 's', 0.1));
    const raw = frame(10);
    expect(raw.instances.some((i) => i.score < 0.5)).toBe(true);
    expect(r.instances.length).toBe(raw.instances.filter((i) => i.score >= 0.5).length);
    expect(r.instances.every((i) => i.score >= 0.5)).toBe(true);
    expect(r.displayScore).toBeUndefined();
    // Without it the mark decides, as before.
    expect(buildResultChain({ track: false }).process(frame(10, 's', 0.1)).instances.length).toBe(raw.instances.length);
  });

  it('the default chain tracks, keeps ids through a low-score dip, and shows only instances >= displayScore', () => {
    const chain = buildResultChain();
    expect(chain.stages.map((s) => s.name)).toEqual(['tracker', 'score-floor']);
    const ids: Record<string, number | undefined>[] = [];
    for (let k = 0; k < 35; k++) {
      const r = chain.process(frame(k, 's', 0.5));
      expect(r.displayScore).toBeUndefined();
      expect(r.instances.every((i) => i.score >= 0.5)).toBe(true);
      ids.push(idsOf(r, k));
    }
    // Frames 5-29: B is below the display score, so it is not shown...
    for (let k = 5; k < 30; k++) expect(ids[k].B).toBeUndefined();
    // ...but the tracker kept it alive on its low-score detections: same id before and after.
    expect(ids[0].A).toBeDefined();
    expect(ids[0].B).toBeDefined();
    expect(ids[0].A).not.toBe(ids[0].B);
    expect(ids[34].A).toBe(ids[0].A);
    expect(ids[34].B).toBe(ids[0].B);
  });

  it('without the low-score stage (low threshold = high) the same dip costs B its id', () => {
    const chain = buildResultChain({ track: { byte: { lowThreshold: 0.5 } } });
    const first = idsOf(chain.process(frame(0, 's', 0.5)), 0);
    let last = first;
    for (let k = 1; k < 35; k++) last = idsOf(chain.process(frame(k, 's', 0.5)), k);
    expect(last.A).toBe(first.A);
    expect(last.B).toBeDefined();
    expect(last.B).not.toBe(first.B);
  });

  it('keeps one tracker per stream: ids start at 1 in each', () => {
    const stage = new TrackerStage();
    const a = stage.process(frame(0, 'one'));
    const b = stage.process(frame(0, 'two'));
    expect(a.instances.map((i) => i.trackId).sort()).toEqual([1, 2]);
    expect(b.instances.map((i) => i.trackId).sort()).toEqual([1, 2]);
  });

  it('snapshot/restore resumes the same ids; reset starts again at 1', () => {
    const stage = new TrackerStage();
    for (let k = 0; k < 5; k++) stage.process(frame(k));
    const resumed = new TrackerStage();
    resumed.restore(JSON.parse(JSON.stringify(stage.snapshot())));
    const next = frame(5);
    expect(resumed.process(next).instances.map((i) => i.trackId)).toEqual(stage.process(next).instances.map((i) => i.trackId));
    // After reset the same objects are new again: ids restart at 1.
    stage.reset();
    expect(stage.process(frame(32)).instances.map((i) => i.trackId).sort()).toEqual([1, 2]);
  });

  it('the IoU baseline is a choice of the same stage', () => {
    const chain = buildResultChain({ track: { tracker: 'iou' } });
    const r = chain.process(frame(0));
    expect(r.instances.map((i) => i.trackId).sort()).toEqual([1, 2]);
  });

  it('tracking off: no ids, the score floor still applies; failed frames pass untouched', () => {
    const chain = buildResultChain({ track: false });
    expect(chain.stages.map((s) => s.name)).toEqual(['score-floor']);
    const r = chain.process(frame(6, 's', 0.5));
    expect(r.instances).toHaveLength(1);
    expect(r.instances[0].trackId).toBeUndefined();
    const failed: FrameResult = { ...frame(7), instances: [], error: 'boom' };
    expect(chain.process(failed)).toBe(failed);
    expect(new ScoreFloorStage().process(frame(6)).instances).toHaveLength(2);
  });

  it('bad tracker options fail when the chain is built, not on the first frame', () => {
    expect(() => buildResultChain({ track: { byte: { matchThreshold: 2 } } })).toThrow(/matchThreshold/);
  });
});
