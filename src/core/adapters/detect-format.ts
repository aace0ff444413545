/**
 * Picks the model family from the ONNX signature (onnxruntime's `session.inputMetadata` /
 * `session.outputMetadata`), and builds its adapter. A manifest's `format` or an explicit
 * override (`--format`) wins over detection.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelAdapter, ModelFormat, ModelManifest } from './model-adapter.js';
import { ModelError } from './errors.js';
import { TorchvisionMaskRcnnAdapter } from './torchvision-maskrcnn.js';
import { ZooMaskRcnnAdapter } from './zoo-maskrcnn.js';
import { YoloSegAdapter, YOLO_DEFAULT_INPUT_SIZE } from './yolo-seg.js';

export { ModelError } from './errors.js';

/** What we read of one input/output: onnxruntime's ValueMetadata, loosely typed for tests. */
export type ValueInfo =
  | InferenceSession.ValueMetadata
  | { readonly name: string; readonly isTensor: boolean; readonly type?: string; readonly shape?: ReadonlyArray<number | string> };

export const MODEL_FORMATS: readonly ModelFormat[] = ['torchvision', 'torchvision-28', 'zoo', 'yolo-seg'];

export function isModelFormat(s: string): s is ModelFormat {
  return (MODEL_FORMATS as readonly string[]).includes(s);
}

function shapeOf(v: ValueInfo): ReadonlyArray<number | string> | undefined {
  if (!v.isTensor) return undefined;
  const s = (v as { shape?: ReadonlyArray<number | string> }).shape;
  // onnxruntime reports an empty array when the shape is not defined.
  return s && s.length > 0 ? s : undefined;
}

function typeOf(v: ValueInfo): string {
  return v.isTensor ? String((v as { type?: string }).type ?? '?') : 'non-tensor';
}

function rankOf(v: ValueInfo): number {
  return shapeOf(v)?.length ?? -1;
}

/** `image float32[3,H,W]`: symbolic dims as their names, unknown shape as `?`. */
export function describeValue(v: ValueInfo): string {
  if (!v.isTensor) return `${v.name} (non-tensor)`;
  const s = shapeOf(v);
  return `${v.name} ${typeOf(v)}[${s ? s.map((d) => (typeof d === 'number' && d < 0 ? '?' : String(d))).join(',') : '?'}]`;
}

export function describeSignature(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): string {
  return `inputs [${inputs.map(describeValue).join(', ')}], outputs [${outputs.map(describeValue).join(', ')}]`;
}

/**
 * The family the signature says, or null when it matches none:
 * - outputs named boxes/labels/scores/masks → torchvision; 'torchvision-28' when masks are a
 *   static [.,1,28,28], else full-size 'torchvision';
 * - one rank-3 input and four outputs of ranks 2,1,1,4 (names are node numbers) → 'zoo';
 * - one rank-4 input and two outputs of ranks 3 and 4 → 'yolo-seg'.
 */
export function detectFormat(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): ModelFormat | null {
  const byName = new Map(outputs.map((o) => [o.name, o]));
  const masks = byName.get('masks');
  if (byName.has('boxes') && byName.has('labels') && byName.has('scores') && masks) {
    const s = shapeOf(masks);
    return s && s.length === 4 && s[2] === 28 && s[3] === 28 ? 'torchvision-28' : 'torchvision';
  }
  if (inputs.length !== 1 || !inputs[0]!.isTensor) return null;
  const inRank = rankOf(inputs[0]!);
  const outRanks = outputs.map(rankOf).sort((a, b) => a - b);
  if (inRank === 3 && outputs.length === 4 && outRanks.join() === '1,1,2,4') return 'zoo';
  if (inRank === 4 && outputs.length === 2 && outRanks.join() === '3,4') return 'yolo-seg';
  return null;
}

export interface CreateAdapterOptions {
  /** The model's path, for error messages. */
  source?: string;
}

/**
 * The adapter for a model: family from `formatOverride`, else `manifest.format`, else the
 * signature. Throws {@link ModelError} (one line) when none applies.
 */
export function createAdapter(
  inputMetadata: readonly ValueInfo[],
  outputMetadata: readonly ValueInfo[],
  manifest?: ModelManifest,
  formatOverride?: ModelFormat,
  opts: CreateAdapterOptions = {},
): ModelAdapter {
  const forced = formatOverride ?? manifest?.format;
  if (forced !== undefined && !isModelFormat(forced)) {
    throw new ModelError(`unknown model format '${String(forced)}' (expected one of ${MODEL_FORMATS.join(', ')})`);
  }
  const format = forced ?? detectFormat(inputMetadata, outputMetadata);
  if (format === null) {
    throw new ModelError(
      `unknown model signature for '${opts.source ?? '<model>'}': ${describeSignature(inputMetadata, outputMetadata)} ` +
        `(expected Mask R-CNN torchvision/zoo or YOLO-seg; force with --format)`,
    );
  }
  const input = inputMetadata[0];
  if (!input) throw new ModelError(`model '${opts.source ?? '<model>'}' has no inputs`);
  const inShape = shapeOf(input);
  const inputRank: 3 | 4 = inShape?.length === 4 ? 4 : 3;
  const labels = manifest?.labels;
  const categoryIds = manifest?.categoryIds;

  switch (format) {
    case 'torchvision':
    case 'torchvision-28': {
      // The graph's own resize, when the manifest states it (models/export_maskrcnn.py writes it).
      const r = manifest?.input?.resize;
      const graphResize = r && typeof r.minSize === 'number' && r.minSize > 0 && typeof r.maxSize === 'number' && r.maxSize > 0
        ? { minSize: r.minSize, maxSize: r.maxSize }
        : undefined;
      return new TorchvisionMaskRcnnAdapter(format, {
        inputName: input.name,
        inputRank,
        ...(labels ? { labels } : {}),
        ...(graphResize ? { graphResize } : {}),
      });
    }
    case 'zoo': {
      const spec = manifest?.input;
      const num = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
      const mean = spec?.mean;
      return new ZooMaskRcnnAdapter({
        inputName: input.name,
        inputRank,
        ...(labels ? { labels } : {}),
        ...(categoryIds ? { categoryIds } : {}),
        resize: {
          shortSide: num(spec?.resize?.minSize),
          maxLongSide: num(spec?.resize?.maxSize),
          padMultiple: num(spec?.padMultiple),
        },
        ...(Array.isArray(mean) && mean.length === 3 && mean.every((v) => typeof v === 'number')
          ? { meanBgr: [mean[0]!, mean[1]!, mean[2]!] as [number, number, number] }
          : {}),
      });
    }
    case 'yolo-seg': {
      const dim = (d: number | string | undefined): number | undefined =>
        typeof d === 'number' && d > 0 ? d : undefined;
      const fallback = manifest?.inputSize ?? YOLO_DEFAULT_INPUT_SIZE;
      const inputHeight = dim(inShape?.[2]) ?? fallback;
      const inputWidth = dim(inShape?.[3]) ?? fallback;
      let numClasses: number | undefined;
      const pred = outputMetadata.find((o) => rankOf(o) === 3);
      const proto = outputMetadata.find((o) => rankOf(o) === 4);
      const c = pred ? dim(shapeOf(pred)![1]) : undefined;
      const nm = proto ? dim(shapeOf(proto)![1]) : undefined;
      if (c !== undefined && nm !== undefined && c - 4 - nm > 0) numClasses = c - 4 - nm;
      return new YoloSegAdapter({
        inputName: input.name,
        inputWidth,
        inputHeight,
        ...(numClasses !== undefined ? { numClasses } : {}),
        ...(labels ? { labels } : {}),
        ...(categoryIds ? { categoryIds } : {}),
      });
    }
  }
}
