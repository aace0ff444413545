/**
 * InferenceEngine: the session runs in its thread, pre/postprocessing on the caller's side, input
 * buffers go to the thread and come back for reuse. Real ONNX fixture models, no mocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { DEFAULT_POSTPROCESS, createSemanticAdapter, loadModel, type LoadedModel } from '../../src/core/adapters/index.js';
import { openModelSession } from '../../src/core/adapters/load-model.js';
import { InferenceEngine } from '../../src/worker/inference-engine.js';
import type { Instance } from '../../src/core/types.js';
import { fixtureModels, syntheticFrame } from '../core/adapters/helpers.js';

const model = path.join(fixtureModels, 'tiny-28.onnx');
const postprocess = { ...DEFAULT_POSTPROCESS, scoreThreshold: 0.05 };
const frames = [
  syntheticFrame(320, 240, [{ x: 40, y: 30, w: 90, h: 120, rgb: [220, 40, 40] }]),
  syntheticFrame(320, 240, [{ x: 150, y: 60, w: 120, h: 70, rgb: [30, 60, 200] }]),
  syntheticFrame(320, 240, [{ x: 10, y: 10, w: 60, h: 60, rgb: [20, 200, 40] }, { x: 200, y: 140, w: 100, h: 90, rgb: [240, 240, 20] }]),
];

describe('InferenceEngine', () => {
  let engine: InferenceEngine;
  let direct: LoadedModel;

  /** The same frame through the adapter and a session in this thread: what the engine must return. */
  async function reference(i: number): Promise<Instance[]> {
    const f = frames[i];
    const prepared = direct.adapter.preprocess(f);
    const outputs = await direct.session.run(prepared.feeds);
    return direct.adapter.postprocess(outputs, prepared, f, postprocess);
  }

  beforeAll(async () => {
    engine = await InferenceEngine.start({ modelPath: model, device: 'cpu', intraOpThreads: 1, postprocess });
    direct = await loadModel(model, { device: 'cpu', intraOpThreads: 1 });
  });
  afterAll(async () => {
    await engine?.close();
    await direct?.session.release();
  });

  it('returns what the adapter and session give in-process, for frames in flight together', async () => {
    const expected = await Promise.all(frames.map((_, i) => reference(i)));
    expect(expected.some((list) => list.length > 0)).toBe(true);
    // All three queued at once: each result must come back to its own caller.
    const got = await Promise.all(frames.map((f) => engine.infer(f.yuv, f.width, f.height)));
    got.forEach((out, i) => {
      expect(out.instances).toEqual(expected[i]);
      expect(out.inferMs).toBeGreaterThan(0);
      expect(out.preMs + out.postMs).toBeGreaterThan(0);
    });
  });

  it('leaves the caller its pixels and reuses input tensor buffers instead of allocating per frame', async () => {
    const before = engine.inputBuffersAllocated;
    const f = frames[0];
    const copy = Uint8Array.from(f.yuv);
    for (let k = 0; k < 6; k++) await engine.infer(f.yuv, f.width, f.height);
    expect(f.yuv).toEqual(copy);
    expect(f.yuv.byteLength).toBe(320 * 240 * 3 / 2); // not detached by the transfer to the thread
    // Sequential frames of one size: at most one new buffer (the pool may already hold one).
    expect(engine.inputBuffersAllocated - before).toBeLessThanOrEqual(1);
    // A new size needs a new buffer; the recycled one of the old size is not misused.
    const big = syntheticFrame(480, 360, [{ x: 60, y: 40, w: 150, h: 200, rgb: [220, 40, 40] }]);
    const n = engine.inputBuffersAllocated;
    await engine.infer(big.yuv, big.width, big.height);
    expect(engine.inputBuffersAllocated).toBe(n + 1);
    expect((await engine.infer(frames[1].yuv, 320, 240)).instances).toEqual(await reference(1));
  });

  it('fails one bad frame with the reason and keeps serving the next', async () => {
    await expect(engine.infer(new Uint8Array(10), 320, 240)).rejects.toThrow(/too small/);
    const out = await engine.infer(frames[2].yuv, 320, 240);
    expect(out.instances).toEqual(await reference(2));
  });

  it('rejects start with the one-line model error for an unknown signature', async () => {
    await expect(
      InferenceEngine.start({ modelPath: path.join(fixtureModels, 'unknown-signature.onnx'), device: 'cpu', postprocess }),
    ).rejects.toThrow(/unknown model signature/);
  });
});

describe('InferenceEngine with a semantic model (the session thread decodes the map)', () => {
  it('returns the map the adapter gives in-process, frame after frame and across sizes (scores written in place from the second run at a size)', async () => {
    const semModel = path.join(fixtureModels, 'tv-semantic21.onnx');
    const engine = await InferenceEngine.start({ modelPath: semModel, device: 'cpu', intraOpThreads: 1, postprocess, task: 'semantic' });
    const direct = await openModelSession(semModel, { device: 'cpu', intraOpThreads: 1 });
    try {
      const a = createSemanticAdapter(direct.session.inputMetadata, direct.session.outputMetadata, direct.manifest);
      const sized = [...frames, syntheticFrame(96, 64, [{ x: 8, y: 8, w: 40, h: 30, rgb: [250, 40, 40] }]), frames[0], frames[1]];
      for (const f of sized) {
        const prepared = a.preprocess(f);
        const expected = a.postprocess(await direct.session.run(prepared.feeds), prepared, f);
        expect(expected.length).toBeGreaterThan(0);
        const got = await engine.infer(f.yuv, f.width, f.height);
        expect(got.semantic).toEqual(expected);
        expect(got.instances).toEqual([]);
      }
    } finally {
      await engine.close();
      await direct.session.release();
    }
  });
});
