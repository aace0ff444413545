/**
 * torchvision segmentation exports (`deeplabv3_*`, `fcn_*`, `lraspp_mobilenet_v3_large`):
 * input [1,3,H,W] RGB normalised with ImageNet mean/std, output `out` [1,C,H,W] logits at input
 * size (and `aux` for some, ignored); 21 VOC classes for the COCO-VOC weights. The frame goes in
 * at its own size (sides rounded to a multiple of 8), or at the manifest's working size, or
 * shrunk to `input.resize.minSize` on the short side.
 */
import type { ModelFamily } from './model-family.js';
import { SemanticSegAdapter } from './semantic-adapter.js';
import { imageInput, rankOf } from './signature.js';
import { fixedInputSize, triple } from './unet-semantic.js';

/** torchvision's ImageNet normalisation, RGB. */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** The 21 Pascal VOC classes of torchvision's COCO-VOC segmentation weights. */
export const VOC21_LABELS: readonly string[] = Object.freeze([
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
]);

export const torchvisionSemanticFamily: ModelFamily<'torchvision-semantic'> = {
  formats: ['torchvision-semantic'],
  task: 'semantic',
  describe: {
    'torchvision-semantic': 'torchvision DeepLabV3/FCN/LRASPP: input [1,3,H,W] ImageNet-normalised RGB, output out [1,C,H,W] logits',
  },
  matches({ inputs, outputs }) {
    const out = outputs.find((o) => o.name === 'out');
    const rest = outputs.filter((o) => o.name !== 'out' && o.name !== 'aux');
    return inputs.length === 1 && rankOf(inputs[0]) === 4 && out && rankOf(out) === 4 && rest.length === 0 ? 'torchvision-semantic' : null;
  },
  create(format, signature, manifest) {
    const input = imageInput(signature);
    const channels = signature.outputs.find((o) => o.name === 'out');
    const c = channels?.isTensor ? (channels as { shape?: ReadonlyArray<number | string> }).shape?.[1] : undefined;
    const labels = manifest?.labels ?? (c === 21 ? VOC21_LABELS : undefined);
    const minSize = manifest?.input?.resize?.minSize;
    return new SemanticSegAdapter(format, {
      inputName: input.name,
      outputName: 'out',
      ...(labels ? { labels } : {}),
      size: fixedInputSize(signature, manifest),
      multipleOf: typeof manifest?.input?.multipleOf === 'number' ? manifest.input.multipleOf : 8,
      ...(typeof minSize === 'number' && minSize > 0 ? { maxShortSide: minSize } : {}),
      mean: triple(manifest?.input?.mean) ?? IMAGENET_MEAN,
      std: triple(manifest?.input?.std) ?? IMAGENET_STD,
    });
  },
};
