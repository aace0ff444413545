/**
 * U-Net style semantic segmentation: input [1,3,H,W] RGB 0..1 (or the manifest's mean/std,
 * colour order and working size), one output [1,C,h,w] at any stride — per-class logits or
 * softmax (C >= 2), or one sigmoid/logit channel (binary foreground). Scores are upsampled
 * bilinearly to the frame before the argmax/threshold (src/core/semantic-argmax.ts).
 */
import type { ModelFamily } from './model-family.js';
import type { ModelManifest } from './model-adapter.js';
import { SemanticSegAdapter } from './semantic-adapter.js';
import { imageInput, rankOf, shapeOf, staticDim, type ModelSignature } from './signature.js';

/** One image input of rank 4 and exactly one rank-4 output (not torchvision's `out`). */
function isUnetSignature({ inputs, outputs }: ModelSignature): boolean {
  if (inputs.length !== 1 || rankOf(inputs[0]) !== 4 || outputs.length !== 1) return false;
  const o = outputs[0];
  return rankOf(o) === 4 && o.name !== 'out';
}

/** The fixed tensor size: the manifest's working size, else the graph's static H and W. */
export function fixedInputSize(signature: ModelSignature, manifest: ModelManifest | undefined): [number, number] | null {
  const size = manifest?.input?.size;
  if (Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0)) return [size[0], size[1]];
  const s = imageInput(signature).shape;
  const h = staticDim(s?.[2]), w = staticDim(s?.[3]);
  return h && w ? [h, w] : null;
}

/** Three per-channel numbers from the manifest, when it has them. */
export function triple(v: unknown): [number, number, number] | undefined {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? [v[0], v[1], v[2]] : undefined;
}

export const unetSemanticFamily: ModelFamily<'unet-semantic'> = {
  formats: ['unet-semantic'],
  task: 'semantic',
  describe: {
    'unet-semantic': 'U-Net style semantic segmentation: input [1,3,H,W] RGB 0..1, one output [1,C,h,w] (logits/softmax, or 1 sigmoid channel) at any stride',
  },
  matches(signature) {
    return isUnetSignature(signature) ? 'unet-semantic' : null;
  },
  create(format, signature, manifest) {
    const input = imageInput(signature);
    const out = signature.outputs.find((o) => shapeOf(o)?.length === 4) ?? signature.outputs[0];
    const mean = triple(manifest?.input?.mean);
    const std = triple(manifest?.input?.std);
    return new SemanticSegAdapter(format, {
      inputName: input.name,
      ...(out ? { outputName: out.name } : {}),
      ...(manifest?.labels ? { labels: manifest.labels } : {}),
      size: fixedInputSize(signature, manifest),
      multipleOf: typeof manifest?.input?.multipleOf === 'number' ? manifest.input.multipleOf : 16,
      channelOrder: manifest?.input?.color === 'BGR' ? 'bgr' : 'rgb',
      ...(mean ? { mean } : {}),
      ...(std ? { std } : {}),
    });
  },
};
