/**
 * Mask R-CNN exported from torchvision (`torch.onnx.export` of `maskrcnn_resnet50_fpn` and kin).
 *
 * Input: one image float32 [3,H,W] RGB 0..1 — the graph normalises and resizes itself, and returns
 * boxes in input px. The frame goes in at its own size, or already shrunk to the graph's working
 * size when the manifest states the graph's resize (`input.resize`: see MaskRcnnAdapterInit).
 * Outputs (by name): `boxes` [N,4] xyxy, `labels` [N] int64 (COCO-91 ids), `scores` [N], and
 * `masks` either [N,1,H,W] already pasted (format 'torchvision') or [N,1,28,28] per box
 * (format 'torchvision-28', pasted here for the kept instances only).
 */
import * as ort from 'onnxruntime-node';
import type { Instance } from '../types.js';
import type { ModelAdapter, PostprocessOptions, PreparedInput, Yuv420Image, TensorAllocator } from './model-adapter.js';
import { newTensorData } from './model-adapter.js';
import type { ModelFamily } from './model-family.js';
import { imageInput, shapeOf } from './signature.js';
import { resizeShortSide, type TensorLayout } from '../geometry.js';
import { imageTensor } from './image-tensor.js';
import { COCO91_LABELS } from '../labels.js';
import { pickOutputsByName, postprocessMaskRcnn } from './maskrcnn-postprocess.js';

export interface MaskRcnnAdapterInit {
  /** Name of the graph's image input. Default 'image'. */
  inputName?: string;
  /** Rank of the image input: 3 ([3,H,W], torchvision's list-of-images export) or 4 ([1,3,H,W]). */
  inputRank?: 3 | 4;
  /** Class names indexed by the model's label id. Default COCO-91 (torchvision ids). */
  labels?: readonly string[];
  /**
   * The graph's own resize (GeneralizedRCNNTransform min_size / max_size), from the manifest's
   * `input.resize`. When given and the frame is larger, the frame is resized here, straight
   * from its bytes, to the size the graph would resize it to: the same bilinear resize
   * (align_corners=False, no antialias), but the tensor is that much smaller to build and the
   * graph's resize becomes a no-op. Absent: the frame goes in at its own size.
   */
  graphResize?: { minSize: number; maxSize: number };
}

/** Pre-resize geometry: frame px = tensor px / scale. */
interface TorchvisionContext {
  scaleX: number;
  scaleY: number;
}

export class TorchvisionMaskRcnnAdapter implements ModelAdapter {
  readonly labels: readonly string[];
  private readonly inputName: string;
  private readonly inputRank: 3 | 4;
  private readonly graphResize: { minSize: number; maxSize: number } | undefined;

  constructor(
    readonly format: 'torchvision' | 'torchvision-28',
    init: MaskRcnnAdapterInit = {},
  ) {
    this.inputName = init.inputName ?? 'image';
    this.inputRank = init.inputRank ?? 3;
    this.labels = init.labels ?? COCO91_LABELS;
    this.graphResize = init.graphResize;
  }

  preprocess(image: Yuv420Image, alloc: TensorAllocator = newTensorData): PreparedInput {
    const { width: w, height: h } = image;
    let tw = w, th = h;
    const g = this.graphResize;
    if (g) {
      // The size the graph would resize to (floor, like torchvision), for which the graph's own
      // scale then comes out as exactly 1. Only ever shrink: an upscale here would just make a
      // bigger tensor for the same result.
      const r = resizeShortSide(w, h, g.minSize, g.maxSize, 1);
      if (r.scale < 1) {
        tw = r.resizedW;
        th = r.resizedH;
      }
    }
    const layout: TensorLayout = {
      tensorW: tw,
      tensorH: th,
      resizedW: tw,
      resizedH: th,
      offsetX: 0,
      offsetY: 0,
      channelOrder: 'rgb',
      scale: 1 / 255,
      mean: [0, 0, 0],
      padValue: 0,
    };
    const context: TorchvisionContext = { scaleX: tw / w, scaleY: th / h };
    return { feeds: { [this.inputName]: imageTensor(image, layout, this.inputRank, alloc) }, context };
  }

  postprocess(
    outputs: Record<string, ort.Tensor>,
    input: PreparedInput,
    image: { width: number; height: number },
    options: PostprocessOptions,
  ): Instance[] {
    const ctx = (input.context as TorchvisionContext | null) ?? { scaleX: 1, scaleY: 1 };
    return postprocessMaskRcnn(
      pickOutputsByName(outputs),
      {
        boxScaleX: 1 / ctx.scaleX,
        boxScaleY: 1 / ctx.scaleY,
        maskKind: this.format === 'torchvision-28' ? 'roi' : 'full',
      },
      image,
      this.labels,
      options,
    );
  }
}

/** Outputs named boxes/labels/scores/masks; static [.,1,28,28] masks make it 'torchvision-28'. */
export const torchvisionFamily: ModelFamily<'torchvision' | 'torchvision-28'> = {
  formats: ['torchvision', 'torchvision-28'],
  task: 'instances',
  describe: {
    torchvision: 'Mask R-CNN (torchvision): outputs boxes, labels, scores, masks [N,1,H,W]',
    'torchvision-28': 'Mask R-CNN (torchvision): outputs boxes, labels, scores, masks [N,1,28,28]',
  },
  matches({ outputs }) {
    const byName = new Map(outputs.map((o) => [o.name, o]));
    const masks = byName.get('masks');
    if (!(byName.has('boxes') && byName.has('labels') && byName.has('scores') && masks)) return null;
    const s = shapeOf(masks);
    return s && s.length === 4 && s[2] === 28 && s[3] === 28 ? 'torchvision-28' : 'torchvision';
  },
  create(format, signature, manifest) {
    const input = imageInput(signature);
    // The graph's own resize, when the manifest states it (models/export_maskrcnn.py writes it).
    const r = manifest?.input?.resize;
    const graphResize = r && typeof r.minSize === 'number' && r.minSize > 0 && typeof r.maxSize === 'number' && r.maxSize > 0
      ? { minSize: r.minSize, maxSize: r.maxSize }
      : undefined;
    return new TorchvisionMaskRcnnAdapter(format, {
      inputName: input.name,
      inputRank: input.rank,
      ...(manifest?.labels ? { labels: manifest.labels } : {}),
      ...(graphResize ? { graphResize } : {}),
    });
  },
};
