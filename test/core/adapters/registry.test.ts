import { describe, expect, it } from 'vitest';
import path from 'node:path';
import {
  createAdapter,
  createAnyAdapter,
  createSemanticAdapter,
  detectFormat,
  formatDescriptions,
  isModelFormat,
  loadModel,
  MODEL_FAMILIES,
  MODEL_FORMATS,
  ModelError,
  openModelSession,
  type ValueInfo,
} from '../../../src/core/adapters/index.js';
import { fixtureModels } from './helpers.js';

const t = (name: string, type: string, shape: (number | string)[]): ValueInfo => ({ name, isTensor: true, type, shape });

/** One signature per format, as the real exports have them. */
const SAMPLES: Record<string, { inputs: ValueInfo[]; outputs: ValueInfo[] }> = {
  torchvision: {
    inputs: [t('image', 'float32', [3, 'h', 'w'])],
    outputs: [t('boxes', 'float32', ['N', 4]), t('labels', 'int64', ['N']), t('scores', 'float32', ['N']), t('masks', 'float32', ['N', 1, 'h', 'w'])],
  },
  'torchvision-28': {
    inputs: [t('image', 'float32', [3, 'h', 'w'])],
    outputs: [t('boxes', 'float32', ['N', 4]), t('labels', 'int64', ['N']), t('scores', 'float32', ['N']), t('masks', 'float32', ['N', 1, 28, 28])],
  },
  zoo: {
    inputs: [t('image', 'float32', [3, 'h', 'w'])],
    outputs: [t('6568', 'float32', ['n', 4]), t('6570', 'int64', ['n']), t('6572', 'float32', ['n']), t('6887', 'float32', ['n', 1, 28, 28])],
  },
  'yolo-seg': {
    inputs: [t('images', 'float32', [1, 3, 640, 640])],
    outputs: [t('output0', 'float32', [1, 116, 8400]), t('output1', 'float32', [1, 32, 160, 160])],
  },
  'torchvision-semantic': {
    inputs: [t('input', 'float32', [1, 3, 'height', 'width'])],
    outputs: [t('out', 'float32', [1, 21, 'height', 'width']), t('aux', 'float32', [1, 21, 'height', 'width'])],
  },
  'unet-semantic': {
    inputs: [t('image', 'float32', [1, 3, 'height', 'width'])],
    outputs: [t('logits', 'float32', [1, 5, 'h_out', 'w_out'])],
  },
};
const SEMANTIC = new Set(['torchvision-semantic', 'unet-semantic']);

describe('the model family registry', () => {
  it('lists each format once, with a help line, and validation accepts exactly those', () => {
    const fromFamilies = MODEL_FAMILIES.flatMap((f) => [...f.formats]);
    expect(MODEL_FORMATS).toEqual(fromFamilies);
    expect(new Set(MODEL_FORMATS).size).toBe(MODEL_FORMATS.length);
    expect(formatDescriptions().map((d) => d.format)).toEqual(MODEL_FORMATS);
    for (const d of formatDescriptions()) expect(d.describe.length, d.format).toBeGreaterThan(10);
    for (const f of MODEL_FORMATS) expect(isModelFormat(f)).toBe(true);
    expect(isModelFormat('yolo')).toBe(false);
    expect(MODEL_FAMILIES.filter((f) => f.task === 'semantic').flatMap((f) => [...f.formats]).sort()).toEqual([...SEMANTIC].sort());
  });

  it('every format has a sample here, is detected by its own family first, and builds an adapter of that format', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...MODEL_FORMATS].sort());
    for (const [format, sig] of Object.entries(SAMPLES)) {
      expect(detectFormat(sig.inputs, sig.outputs), format).toBe(format);
      // The first family that matches is the format's own (order matters: a torchvision export
      // also has the zoo's output ranks).
      const first = MODEL_FAMILIES.find((f) => f.matches(sig) !== null);
      expect(first?.formats, format).toContain(format);
      const adapter = createAnyAdapter(sig.inputs, sig.outputs);
      expect(adapter.format).toBe(format);
      expect(adapter.task === 'semantic', format).toBe(SEMANTIC.has(format));
      // Each task's constructor refuses the other task's models, in one line naming the model.
      const wrong = SEMANTIC.has(format) ? () => createAdapter(sig.inputs, sig.outputs, undefined, undefined, { source: 'm.onnx' })
        : () => createSemanticAdapter(sig.inputs, sig.outputs, undefined, undefined, { source: 'm.onnx' });
      expect(wrong, format).toThrow(SEMANTIC.has(format) ? /'m\.onnx' is a semantic segmentation model/ : /'m\.onnx' is an instance segmentation model/);
    }
  });

  it('a real image classifier (one [1,C] output) is refused, naming the model and every expected signature', async () => {
    const p = path.join(fixtureModels, 'tiny-classifier.onnx');
    const err = await loadModel(p, { device: 'cpu' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain(`'${p}' (it looks like an image classifier, not a segmentation model)`);
    expect(msg).toContain('outputs [probs float32[1,10]]');
    for (const d of formatDescriptions()) expect(msg).toContain(`${d.format}: ${d.describe}`);
  });

  it('the session alone opens any valid ONNX: the adapter (and its signature check) is built where it is used', async () => {
    const opened = await openModelSession(path.join(fixtureModels, 'tiny-classifier.onnx'), { device: 'cpu' });
    try {
      expect(opened.session.outputNames).toEqual(['probs']);
      expect('adapter' in opened).toBe(false);
    } finally {
      await opened.session.release();
    }
  });
});
