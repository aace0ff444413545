/**
 * Picks the model family from the ONNX signature, and builds its adapter: the first family of
 * the registry whose signature test matches. A manifest's `format` or an explicit override
 * (`--format`) wins over detection.
 */
import type { AnyModelAdapter, ModelAdapter, ModelManifest, SemanticModelAdapter } from './model-adapter.js';
import { ModelError } from './errors.js';
import { familyOf, formatDescriptions, isModelFormat, MODEL_FAMILIES, MODEL_FORMATS, type ModelFormat } from './registry.js';
import { describeSignature, rankOf, type ValueInfo } from './signature.js';

export { ModelError } from './errors.js';
export { describeSignature, describeValue, type ValueInfo } from './signature.js';
export { isModelFormat, MODEL_FORMATS } from './registry.js';

/** The format the signature says (first match in registry order), or null when it matches none. */
export function detectFormat(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): ModelFormat | null {
  for (const family of MODEL_FAMILIES) {
    const format = family.matches({ inputs, outputs });
    if (format !== null) return format;
  }
  return null;
}

export interface CreateAdapterOptions {
  /** The model's path, for error messages. */
  source?: string;
}

/** An image in, one [1,C] out: the usual image classifier export. */
function looksLikeClassifier(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): boolean {
  const inRank = inputs.length === 1 && inputs[0] ? rankOf(inputs[0]) : -1;
  return (inRank === 3 || inRank === 4) && outputs.length === 1 && outputs[0] !== undefined && rankOf(outputs[0]) === 2;
}

/**
 * The adapter for a model of either task: family from `formatOverride`, else `manifest.format`,
 * else the signature. Throws {@link ModelError} (one line) when none applies.
 */
export function createAnyAdapter(
  inputMetadata: readonly ValueInfo[],
  outputMetadata: readonly ValueInfo[],
  manifest?: ModelManifest,
  formatOverride?: ModelFormat,
  opts: CreateAdapterOptions = {},
): AnyModelAdapter {
  const source = opts.source ?? '<model>';
  const forced = formatOverride ?? manifest?.format;
  if (forced !== undefined && !isModelFormat(forced)) {
    throw new ModelError(`unknown model format '${String(forced)}' (expected one of ${MODEL_FORMATS.join(', ')})`);
  }
  const format = forced ?? detectFormat(inputMetadata, outputMetadata);
  if (format === null) {
    const kind = looksLikeClassifier(inputMetadata, outputMetadata)
      ? ' (it looks like an image classifier, not a segmentation model)'
      : '';
    const expected = formatDescriptions().map((d) => `${d.format}: ${d.describe}`).join('; ');
    throw new ModelError(
      `unknown model signature for '${source}'${kind}: ${describeSignature(inputMetadata, outputMetadata)} ` +
        `(expected one of ${expected}; force a format with --format)`,
    );
  }
  if (!inputMetadata[0]) throw new ModelError(`model '${source}' has no inputs`);
  return familyOf(format).create(format, { inputs: inputMetadata, outputs: outputMetadata }, manifest);
}

/** As {@link createAnyAdapter}, for an instance segmentation model; a semantic one is a ModelError. */
export function createAdapter(
  inputMetadata: readonly ValueInfo[],
  outputMetadata: readonly ValueInfo[],
  manifest?: ModelManifest,
  formatOverride?: ModelFormat,
  opts: CreateAdapterOptions = {},
): ModelAdapter {
  const a = createAnyAdapter(inputMetadata, outputMetadata, manifest, formatOverride, opts);
  if (a.task === 'semantic') {
    throw new ModelError(
      `model '${opts.source ?? '<model>'}' is a semantic segmentation model (${a.format}): run it with --task semantic, or beside an instance model with --semantic-model`,
    );
  }
  return a;
}

/** As {@link createAnyAdapter}, for a semantic segmentation model; an instance one is a ModelError. */
export function createSemanticAdapter(
  inputMetadata: readonly ValueInfo[],
  outputMetadata: readonly ValueInfo[],
  manifest?: ModelManifest,
  formatOverride?: ModelFormat,
  opts: CreateAdapterOptions = {},
): SemanticModelAdapter {
  const a = createAnyAdapter(inputMetadata, outputMetadata, manifest, formatOverride, opts);
  if (a.task !== 'semantic') {
    throw new ModelError(`model '${opts.source ?? '<model>'}' is an instance segmentation model (${a.format}), not a semantic one`);
  }
  return a;
}
