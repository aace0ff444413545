/**
 * The real COCO YOLOv8n-seg (int8) from ../shared/models on a real frame of
 * ../shared/media/people-walking.mp4 (768x432). Skipped, with the reason in the test name, when
 * ../shared is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { DEFAULT_POSTPROCESS, loadModel, type LoadedModel, type PostprocessOptions } from '../../../src/core/adapters/index.js';
import type { Yuv420Image } from '../../../src/core/yuv420.js';
import { decodeRle, rleArea } from '../../../src/core/rle.js';
import type { Instance } from '../../../src/core/types.js';
import { extractFrame, haveYolo, peopleClip, runSession, yoloModelPath, YOLO_SKIP_REASON } from './helpers.js';

/** people-walking.mp4 at 10 s: one woman (grey cardigan) walking away from the camera, centre frame. */
const FRAME_T = 10;
const CLIP_W = 768;
const CLIP_H = 432;

const opts = (o: Partial<PostprocessOptions> = {}): PostprocessOptions => ({ ...DEFAULT_POSTPROCESS, scoreThreshold: 0.25, ...o });

function describeInstances(list: Instance[]): string {
  return list
    .map((i) => `${i.label} ${i.score.toFixed(3)} [${i.box.map((v) => v.toFixed(0)).join(',')}] area=${rleArea(i.mask)}`)
    .join('; ');
}

describe.skipIf(!haveYolo)(`YOLOv8n-seg on a real people-walking frame${haveYolo ? '' : ` (${YOLO_SKIP_REASON})`}`, () => {
  let model: LoadedModel;
  let frame: Yuv420Image;
  let outputs: Record<string, ort.Tensor>;
  let prepared: ReturnType<LoadedModel['adapter']['preprocess']>;

  beforeAll(async () => {
    model = await loadModel(yoloModelPath, { device: 'cpu', intraOpThreads: 2 });
    frame = extractFrame(peopleClip, FRAME_T, CLIP_W, CLIP_H);
    prepared = model.adapter.preprocess(frame);
    outputs = await runSession(model.session, prepared.feeds);
  });
  afterAll(async () => {
    await model?.session.release();
  });

  it('finds a person (score > 0.4) with a plausible mask inside its box', () => {
    const found = model.adapter.postprocess(outputs, prepared, frame, opts());
    console.log(`[yolo] t=${FRAME_T}s (${CLIP_W}x${CLIP_H}), threshold 0.25: ${found.length} instance(s): ${describeInstances(found)}`);
    const people = found.filter((i) => i.label === 'person' && i.score > 0.4);
    expect(people.length).toBeGreaterThanOrEqual(1);
    // COCO-80 index 0 is reported as COCO category id 1, as the Mask R-CNN families do.
    for (const p of people) expect(p.classId).toBe(1);
    for (const inst of found) {
      const [x1, y1, x2, y2] = inst.box;
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(CLIP_W);
      expect(y2).toBeLessThanOrEqual(CLIP_H);
      expect(x2).toBeGreaterThan(x1);
      expect(y2).toBeGreaterThan(y1);
      expect(inst.mask.size).toEqual([CLIP_H, CLIP_W]);
      expect(decodeRle(inst.mask).length).toBe(CLIP_W * CLIP_H);
    }
    const p = people[0];
    const [x1, y1, x2, y2] = p.box;
    const boxArea = (x2 - x1) * (y2 - y1);
    const area = rleArea(p.mask);
    const frac = area / boxArea;
    console.log(`[yolo] best person: score ${p.score.toFixed(3)}, box ${boxArea.toFixed(0)} px², mask ${area} px² (${(frac * 100).toFixed(1)}% of the box)`);
    expect(frac).toBeGreaterThan(0.2);
    expect(frac).toBeLessThan(0.95);
    // A standing person is taller than wide, and fills a sizeable part of this frame.
    expect(y2 - y1).toBeGreaterThan(x2 - x1);
    expect(y2 - y1).toBeGreaterThan(CLIP_H / 3);
    // Every mask pixel is inside its box.
    const m = decodeRle(p.mask);
    let outside = 0;
    for (let y = 0; y < CLIP_H; y++) {
      for (let x = 0; x < CLIP_W; x++) {
        if (m[y * CLIP_W + x] && (x < Math.floor(x1) || x >= Math.ceil(x2) || y < Math.floor(y1) || y >= Math.ceil(y2))) outside++;
      }
    }
    expect(outside).toBe(0);
  });

  it('score threshold, maxInstances and class-agnostic NMS on the real outputs', () => {
    const low = model.adapter.postprocess(outputs, prepared, frame, opts({ scoreThreshold: 0.05 }));
    const high = model.adapter.postprocess(outputs, prepared, frame, opts({ scoreThreshold: 0.5 }));
    console.log(`[yolo] threshold 0.05: ${low.length} instance(s); 0.5: ${high.length}`);
    expect(low.length).toBeGreaterThanOrEqual(high.length);
    for (const i of high) expect(i.score).toBeGreaterThanOrEqual(0.5);
    for (let k = 1; k < low.length; k++) expect(low[k].score).toBeLessThanOrEqual(low[k - 1].score);
    const capped = model.adapter.postprocess(outputs, prepared, frame, opts({ scoreThreshold: 0.05, maxInstances: 2 }));
    expect(capped).toHaveLength(Math.min(2, low.length));
    expect(capped.map((i) => i.score)).toEqual(low.slice(0, 2).map((i) => i.score));
    const agnostic = model.adapter.postprocess(outputs, prepared, frame, opts({ scoreThreshold: 0.05, classAgnostic: true }));
    expect(agnostic.length).toBeLessThanOrEqual(low.length);
    // Class-agnostic: no two kept boxes overlap by more than the IoU threshold, whatever their class.
    const iou = (a: Instance, b: Instance) => {
      const iw = Math.min(a.box[2], b.box[2]) - Math.max(a.box[0], b.box[0]);
      const ih = Math.min(a.box[3], b.box[3]) - Math.max(a.box[1], b.box[1]);
      if (iw <= 0 || ih <= 0) return 0;
      const inter = iw * ih;
      const area = (i: Instance) => (i.box[2] - i.box[0]) * (i.box[3] - i.box[1]);
      return inter / (area(a) + area(b) - inter);
    };
    for (let i = 0; i < agnostic.length; i++) {
      for (let j = i + 1; j < agnostic.length; j++) expect(iou(agnostic[i], agnostic[j])).toBeLessThanOrEqual(0.5);
    }
  });

  it('timing: pre + postprocess vs session.run on 2 threads (printed, not asserted)', async () => {
    const reps = 10;
    let pre = 0;
    let run = 0;
    let post = 0;
    let n = 0;
    for (let r = 0; r < reps + 2; r++) {
      const t0 = performance.now();
      const prep = model.adapter.preprocess(frame);
      const t1 = performance.now();
      const out = await runSession(model.session, prep.feeds);
      const t2 = performance.now();
      const inst = model.adapter.postprocess(out, prep, frame, opts());
      const t3 = performance.now();
      if (r >= 2) {
        pre += t1 - t0;
        run += t2 - t1;
        post += t3 - t2;
        n = inst.length;
      }
    }
    console.log(
      `[yolo timing] ${CLIP_W}x${CLIP_H} → 320x320, ${reps} reps, 2 intra-op threads: ` +
        `preprocess ${(pre / reps).toFixed(2)} ms, session.run ${(run / reps).toFixed(2)} ms, ` +
        `postprocess ${(post / reps).toFixed(2)} ms (${n} instances); pre+post = ${(((pre + post) / run) * 100).toFixed(1)}% of run`,
    );
    expect(run).toBeGreaterThan(0);
  });
});
