/**
 * Every model family segstream knows, in detection order (the first whose signature test
 * matches wins). Adding a family is one file exporting its {@link ModelFamily} and one line here:
 * `--format` validation, the manifest's `format`, detection and the CLI help all read this list.
 */
import type { ModelFamily } from './model-family.js';
import { torchvisionFamily } from './torchvision-maskrcnn.js';
import { zooFamily } from './zoo-maskrcnn.js';
import { yoloSegFamily } from './yolo-seg.js';
import { torchvisionSemanticFamily } from './torchvision-semantic.js';
import { unetSemanticFamily } from './unet-semantic.js';

// torchvision before zoo: a torchvision export also has the zoo's output ranks; its names decide.
// Semantic families last: one rank-4 score output (`out` for torchvision) matches no instance family.
export const MODEL_FAMILIES = [torchvisionFamily, zooFamily, yoloSegFamily, torchvisionSemanticFamily, unetSemanticFamily] as const;

/** The model formats we know, e.g. 'torchvision-28' or 'yolo-seg'. */
export type ModelFormat = (typeof MODEL_FAMILIES)[number]['formats'][number];

export const MODEL_FORMATS: readonly ModelFormat[] = MODEL_FAMILIES.flatMap((f) => f.formats);

export function isModelFormat(s: string): s is ModelFormat {
  return (MODEL_FORMATS as readonly string[]).includes(s);
}

/** The family a format belongs to. */
export function familyOf(format: ModelFormat): ModelFamily<ModelFormat> {
  const family = MODEL_FAMILIES.find((f) => (f.formats as readonly string[]).includes(format));
  if (!family) throw new Error(`no model family for format '${format}'`);
  return family as ModelFamily<ModelFormat>;
}

/** `format: what it expects` for each format, in registry order (help text, error messages). */
export function formatDescriptions(): Array<{ format: ModelFormat; describe: string }> {
  return MODEL_FAMILIES.flatMap((f) =>
    (f.formats as readonly ModelFormat[]).map((format) => ({ format, describe: (f.describe as Record<string, string>)[format] ?? '' })),
  );
}
