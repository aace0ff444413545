import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import {
  createAdapter,
  describeSignature,
  detectFormat,
  formatDescriptions,
  loadModel,
  ModelError,
  type ValueInfo,
} from '../../../src/core/adapters/index.js';
import { fixtureModels, haveYolo, yoloModelPath, YOLO_SKIP_REASON } from './helpers.js';

const f = (name: string) => path.join(fixtureModels, name);

const t = (name: string, type: string, shape: (number | string)[]): ValueInfo => ({ name, isTensor: true, type, shape });

describe('detectFormat (signature tables)', () => {
  const tvIn = [t('image', 'float32', [3, 'height', 'width'])];
  it('torchvision names with static 28x28 masks → torchvision-28', () => {
    const out = [t('boxes', 'float32', ['N', 4]), t('labels', 'int64', ['N']), t('scores', 'float32', ['N']), t('masks', 'float32', ['N', 1, 28, 28])];
    expect(detectFormat(tvIn, out)).toBe('torchvision-28');
  });
  it('torchvision names with full-size masks → torchvision', () => {
    const out = [t('boxes', 'float32', ['N', 4]), t('labels', 'int64', ['N']), t('scores', 'float32', ['N']), t('masks', 'float32', ['N', 1, 'height', 'width'])];
    expect(detectFormat(tvIn, out)).toBe('torchvision');
  });
  it('numeric names, ranks 2,1,1,4 and a rank-3 input → zoo', () => {
    const out = [t('6568', 'float32', ['nbox', 4]), t('6570', 'int64', ['nbox']), t('6572', 'float32', ['nbox']), t('6887', 'float32', ['nbox', 1, 28, 28])];
    expect(detectFormat(tvIn, out)).toBe('zoo');
  });
  it('rank-4 input and outputs of ranks 3 and 4 → yolo-seg', () => {
    expect(detectFormat([t('images', 'float32', [1, 3, 640, 640])], [t('output0', 'float32', [1, 116, 8400]), t('output1', 'float32', [1, 32, 160, 160])])).toBe('yolo-seg');
  });
  it('anything else → null, and createAdapter throws a one-line ModelError', () => {
    const ins = [t('x', 'float32', [1, 10])];
    const outs = [t('y', 'float32', [1, 2])];
    expect(detectFormat(ins, outs)).toBeNull();
    let err: unknown;
    try {
      createAdapter(ins, outs, undefined, undefined, { source: 'm.onnx' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toBe(
      "unknown model signature for 'm.onnx': inputs [x float32[1,10]], outputs [y float32[1,2]] (expected one of " +
        formatDescriptions().map((d) => `${d.format}: ${d.describe}`).join('; ') +
        '; force a format with --format)',
    );
    // Each format's own line names the signature it wants.
    expect((err as Error).message).toMatch(/torchvision-28: .*masks \[N,1,28,28\].*; yolo-seg: .*\[1,4\+nc\+nm,A\]/);
  });
  it('override beats manifest beats detection', () => {
    const ins = [t('x', 'float32', [1, 10])];
    const outs = [t('y', 'float32', [1, 2])];
    expect(createAdapter(ins, outs, { format: 'zoo' }).format).toBe('zoo');
    expect(createAdapter(ins, outs, { format: 'zoo' }, 'torchvision-28').format).toBe('torchvision-28');
  });
});

/** Prints and returns the ORT metadata of a model (the report wants to see it). */
async function metadata(p: string) {
  const s = await ort.InferenceSession.create(p);
  try {
    console.log(`[metadata] ${path.relative(process.cwd(), p)}: ${describeSignature(s.inputMetadata, s.outputMetadata)}`);
    return { inputs: s.inputMetadata, outputs: s.outputMetadata };
  } finally {
    await s.release();
  }
}

describe('detectFormat on the real fixture models', () => {
  it.each([
    ['tiny-full.onnx', 'torchvision'],
    ['tiny-zoo.onnx', 'zoo'],
    ['tiny-empty.onnx', 'torchvision-28'],
  ] as const)('%s → %s (from the signature alone)', async (name, expected) => {
    const m = await metadata(f(name));
    expect(detectFormat(m.inputs, m.outputs)).toBe(expected);
  });

  it('models/segstream-maskrcnn-tiny.onnx → torchvision-28', async () => {
    const m = await metadata(path.join(fixtureModels, '..', '..', '..', 'models', 'segstream-maskrcnn-tiny.onnx'));
    expect(detectFormat(m.inputs, m.outputs)).toBe('torchvision-28');
  });

  it.skipIf(!haveYolo)(`the shared YOLOv8n-seg → yolo-seg, 320x320 input, 80 COCO classes${haveYolo ? '' : ` (${YOLO_SKIP_REASON})`}`, async () => {
    const m = await metadata(yoloModelPath);
    expect(detectFormat(m.inputs, m.outputs)).toBe('yolo-seg');
    const loaded = await loadModel(yoloModelPath, { device: 'cpu', intraOpThreads: 2 });
    try {
      expect(loaded.adapter.format).toBe('yolo-seg');
      expect(loaded.adapter.labels.length).toBe(80);
      expect(loaded.adapter.labels[0]).toBe('person');
      const prep = loaded.adapter.preprocess({ yuv: new Uint8Array(64 * 48 * 3 / 2), width: 64, height: 48 });
      expect(prep.feeds['images'].dims).toEqual([1, 3, 320, 320]);
    } finally {
      await loaded.session.release();
    }
  });

  it('unknown-signature.onnx: one-line ModelError naming the path and the signature', async () => {
    const p = f('unknown-signature.onnx');
    const err = await loadModel(p, { device: 'cpu' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelError);
    const msg = (err as Error).message;
    console.log(`[error] ${msg}`);
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(/^unknown model signature for '.*unknown-signature\.onnx': inputs \[.+\], outputs \[.*\] \(expected one of torchvision: .+; force a format with --format\)$/);
    expect(msg).not.toContain('image classifier');
  });

  it('unknown-signature.onnx loads when the format is forced', async () => {
    const loaded = await loadModel(f('unknown-signature.onnx'), { device: 'cpu', format: 'yolo-seg' });
    expect(loaded.adapter.format).toBe('yolo-seg');
    await loaded.session.release();
  });

  it('not-onnx.onnx: "is not a valid ONNX file"', async () => {
    const p = f('not-onnx.onnx');
    const err = await loadModel(p, { device: 'cpu' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelError);
    console.log(`[error] ${(err as Error).message}`);
    expect((err as Error).message).toBe(`model '${p}' is not a valid ONNX file (protobuf parsing failed)`);
  });

  it('missing file: "model file not found"', async () => {
    const p = f('does-not-exist.onnx');
    await expect(loadModel(p, { device: 'cpu' })).rejects.toThrow(new ModelError(`model file not found: '${p}'`));
  });

  it('empty file and a malformed manifest are ModelErrors too', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'segstream-adapters-'));
    try {
      const empty = path.join(dir, 'empty.onnx');
      writeFileSync(empty, '');
      await expect(loadModel(empty, { device: 'cpu' })).rejects.toThrow(/is not a valid ONNX file \(empty file\)/);
      const bad = path.join(dir, 'bad.onnx');
      writeFileSync(bad, 'x');
      writeFileSync(path.join(dir, 'bad.json'), '{ nope');
      await expect(loadModel(bad, { device: 'cpu' })).rejects.toThrow(/model manifest '.*bad\.json' is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('device cuda: falls back to the CPU with the reason where CUDA is missing (runs on CUDA where it is there)', async () => {
    // Decided from the file system and the device nodes, not from what loadModel did.
    const libName = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    const ortBin = path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin');
    const libPresent = readdirSync(ortBin).some((napi) => existsSync(path.join(ortBin, napi, process.platform, process.arch, libName)));
    const cudaUsable = libPresent && (process.platform === 'win32' || existsSync('/dev/nvidiactl'));
    const loaded = await loadModel(f('tiny-empty.onnx'), { device: 'cuda' });
    try {
      console.log(`[cuda] provider library ${libPresent ? 'present' : 'absent'}; device=${loaded.device} fallbackReason=${loaded.fallbackReason ?? '-'}`);
      if (cudaUsable) {
        expect(loaded.device).toBe('cuda');
        expect(loaded.fallbackReason).toBeUndefined();
      } else {
        expect(loaded.device).toBe('cpu');
        expect(loaded.fallbackReason).toMatch(/^CUDA execution provider unavailable \(.+\); using CPU$/);
        expect(loaded.fallbackReason).not.toContain('\n');
        if (!libPresent) {
          expect(loaded.fallbackReason).toBe(
            `CUDA execution provider unavailable (${libName} not found; install it with ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js); using CPU`,
          );
        }
      }
    } finally {
      await loaded.session.release();
    }
  });
});
