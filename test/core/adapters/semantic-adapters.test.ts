import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createSemanticAdapter, type SemanticModelAdapter } from '../../../src/core/adapters/index.js';
import { decodeRle } from '../../../src/core/rle.js';
import type { SemanticRegion } from '../../../src/core/types.js';
import { fixtureModels, runSession, syntheticFrame } from './helpers.js';

/** Graphs from test/fixtures/models/make_semantic_models.py. */
const sessions = new Map<string, ort.InferenceSession>();
beforeAll(async () => {
  for (const f of ['unet-rgb3-s3', 'unet-binary-sigmoid-s5', 'unet-binary-logit-s5', 'tv-semantic21']) {
    sessions.set(f, await ort.InferenceSession.create(path.join(fixtureModels, `${f}.onnx`)));
  }
});
afterAll(async () => {
  for (const s of sessions.values()) await s.release();
});

function adapterFor(name: string, labels?: string[]): { adapter: SemanticModelAdapter; session: ort.InferenceSession } {
  const session = sessions.get(name)!;
  const adapter = createSemanticAdapter(session.inputMetadata, session.outputMetadata, labels ? { labels } : undefined, undefined, { source: name });
  return { adapter, session };
}

async function segment(name: string, frame: ReturnType<typeof syntheticFrame>, labels?: string[]): Promise<{ map: SemanticRegion[]; adapter: SemanticModelAdapter; dims: readonly number[] }> {
  const { adapter, session } = adapterFor(name, labels);
  const prepared = adapter.preprocess(frame);
  const dims = Object.values(prepared.feeds)[0].dims;
  const outputs = await runSession(session, prepared.feeds);
  return { map: adapter.postprocess(outputs, prepared, frame), adapter, dims };
}

/** Class of pixel (x, y) in the map. */
function classAt(map: SemanticRegion[], x: number, y: number): number {
  for (const r of map) if (decodeRle(r.mask)[y * r.mask.size[1] + x]) return r.classId;
  throw new Error(`pixel ${x},${y} has no class`);
}

describe('semantic adapters on real fixture graphs', () => {
  it('U-Net layout, 3 classes at output stride 3: the frame is stretched to the static input, scores upsampled to the frame', async () => {
    // 120x90 frame (not the graph's 60x48): left part red, right part blue, on black.
    const frame = syntheticFrame(120, 90, [{ x: 0, y: 0, w: 50, h: 90, rgb: [230, 20, 20] }, { x: 70, y: 0, w: 50, h: 90, rgb: [20, 20, 230] }], [0, 90, 0]);
    const { map, adapter, dims } = await segment('unet-rgb3-s3', frame, ['red', 'green', 'blue']);
    expect(adapter.format).toBe('unet-semantic');
    expect(dims).toEqual([1, 3, 48, 60]);
    expect(map.map((r) => r.label)).toEqual(['red', 'green', 'blue']);
    expect(map.reduce((s, r) => s + r.pixels, 0)).toBe(120 * 90);
    expect(classAt(map, 10, 45)).toBe(0);
    expect(classAt(map, 60, 45)).toBe(1);
    expect(classAt(map, 110, 45)).toBe(2);
    // Areas near the true 50/20/50 columns split (bilinear blur of one 6-px output cell at most).
    const px = Object.fromEntries(map.map((r) => [r.label, r.pixels / 90]));
    expect(px['red']).toBeGreaterThan(44);
    expect(px['red']).toBeLessThan(56);
    expect(px['blue']).toBeGreaterThan(44);
    expect(px['blue']).toBeLessThan(56);
  });

  it('binary sigmoid output at stride 5: foreground = the red square, labelled background/foreground by default', async () => {
    const frame = syntheticFrame(100, 100, [{ x: 20, y: 30, w: 40, h: 40, rgb: [240, 10, 10] }], [20, 200, 20]);
    const { map } = await segment('unet-binary-sigmoid-s5', frame);
    expect(map.map((r) => r.label)).toEqual(['background', 'foreground']);
    const fg = map.find((r) => r.classId === 1)!;
    expect(Math.abs(fg.pixels - 1600) / 1600).toBeLessThan(0.12);
    expect(classAt(map, 40, 50)).toBe(1);
    expect(classAt(map, 80, 50)).toBe(0);
  });

  it('binary logit output (scores outside 0..1): thresholded at 0, the same square found', async () => {
    const frame = syntheticFrame(100, 100, [{ x: 20, y: 30, w: 40, h: 40, rgb: [240, 10, 10] }], [20, 200, 20]);
    const { map } = await segment('unet-binary-logit-s5', frame);
    // At 0.5 on logits the square would shrink; at 0 the boundary sits where R = G, as in the
    // sigmoid graph (which crosses 0.5 there too): both within a few px of the true 40x40.
    const fg = map.find((r) => r.classId === 1)!;
    expect(Math.abs(fg.pixels - 1600) / 1600).toBeLessThan(0.12);
    expect(classAt(map, 21, 50)).toBe(1);
    expect(classAt(map, 18, 50)).toBe(0);
  });

  it('torchvision layout: `out` [1,21,H,W] at input size, ImageNet normalisation, VOC labels from the 21 channels', async () => {
    const frame = syntheticFrame(64, 48, [{ x: 8, y: 8, w: 24, h: 16, rgb: [250, 40, 40] }], [60, 60, 60]);
    const { map, adapter, dims } = await segment('tv-semantic21', frame);
    expect(adapter.format).toBe('torchvision-semantic');
    expect(dims).toEqual([1, 3, 48, 64]);
    // Red normalised ((250/255 - 0.485) / 0.229 = 2.16) beats background's 0.3; grey (-0.09) does not.
    expect(map.map((r) => r.label)).toEqual(['background', 'person']);
    expect(map[1].pixels).toBe(24 * 16);
    expect(classAt(map, 10, 10)).toBe(15);
  });
});

describe('pre-allocated score output (what a semantic session thread does)', () => {
  it('after a run at a size, fetches() asks for the score output alone in the argmax memory; the map is the same', async () => {
    const frame = syntheticFrame(64, 48, [{ x: 8, y: 8, w: 24, h: 16, rgb: [250, 40, 40] }], [60, 60, 60]);
    const { adapter, session } = adapterFor('tv-semantic21');
    const first = adapter.preprocess(frame);
    expect(adapter.fetches!(first), 'nothing is known before the first run').toBeUndefined();
    const all = await session.run(first.feeds);
    expect(Object.keys(all).sort()).toEqual(['aux', 'out']);
    const ref = adapter.postprocess(all, first, frame);

    const second = adapter.preprocess(frame);
    const fetches = adapter.fetches!(second)!;
    expect(Object.keys(fetches)).toEqual(['out']);
    const target = fetches.out.data as Float32Array;
    expect(target.length).toBe(21 * 48 * 64);
    target.fill(Number.NaN); // so only the model's writing can give the right map below
    const outputs = await session.run(second.feeds, fetches);
    expect(Object.keys(outputs)).toEqual(['out']);
    expect(target.some((v) => Number.isNaN(v)), 'onnxruntime wrote every score into the buffer').toBe(false);
    // Poison the copy onnxruntime returns: the map must come from the pre-allocated buffer.
    (outputs.out.data as Float32Array).fill(Number.NaN);
    expect(adapter.postprocess(outputs, second, frame)).toEqual(ref);
  });
});
