/**
 * Mask R-CNN exported from torchvision (`torch.onnx.export` of `maskrcnn_resnet50_fpn` and kin).
 *
 * Input: one image float32 [3,H,W] RGB 0..1 at the frame's own size — the graph normalises and
 * resizes itself, and returns boxes in input (= frame) px.
 * Outputs (by name): `boxes` [N,4] xyxy, `labels` [N] int64 (COCO-91 ids), `scores` [N], and
 * `masks` either [N,1,H,W] already pasted (format 'torchvision') or [N,1,28,28] per box
 * (format 'torchvision-28', pasted here for the kept instances only).
 */
import * as ort from 'onnxruntime-node';
import type { Instance } from '../types.js';
import type { ModelAdapter, PostprocessOptions, PreparedInput, RgbImage } from './model-adapter.js';
import { rgbToChwFloat, type TensorLayout } from '../geometry.js';
import { COCO91_LABELS } from '../labels.js';
import { pickOutputsByName, postprocessMaskRcnn } from './maskrcnn-postprocess.js';

export interface MaskRcnnAdapterInit {
  /** Name of the graph's image input. Default 'image'. */
  inputName?: string;
  /** Rank of the image input: 3 ([3,H,W], torchvision's list-of-images export) or 4 ([1,3,H,W]). */
  inputRank?: 3 | 4;
  /** Class names indexed by the model's label id. Default COCO-91 (torchvision ids). */
  labels?: readonly string[];
}

export class TorchvisionMaskRcnnAdapter implements ModelAdapter {
  readonly labels: readonly string[];
  private readonly inputName: string;
  private readonly inputRank: 3 | 4;

  constructor(
    readonly format: 'torchvision' | 'torchvision-28',
    init: MaskRcnnAdapterInit = {},
  ) {
    this.inputName = init.inputName ?? 'image';
    this.inputRank = init.inputRank ?? 3;
    this.labels = init.labels ?? COCO91_LABELS;
  }

  preprocess(image: RgbImage): PreparedInput {
    const { width: w, height: h } = image;
    const layout: TensorLayout = {
      tensorW: w,
      tensorH: h,
      resizedW: w,
      resizedH: h,
      offsetX: 0,
      offsetY: 0,
      channelOrder: 'rgb',
      scale: 1 / 255,
      mean: [0, 0, 0],
      padValue: 0,
    };
    const data = new Float32Array(3 * w * h);
    rgbToChwFloat(image.rgb, w, h, layout, data);
    const dims = this.inputRank === 4 ? [1, 3, h, w] : [3, h, w];
    return { feeds: { [this.inputName]: new ort.Tensor('float32', data, dims) }, context: null };
  }

  postprocess(
    outputs: Record<string, ort.Tensor>,
    _input: PreparedInput,
    image: { width: number; height: number },
    options: PostprocessOptions,
  ): Instance[] {
    return postprocessMaskRcnn(
      pickOutputsByName(outputs),
      { boxScaleX: 1, boxScaleY: 1, maskKind: this.format === 'torchvision-28' ? 'roi' : 'full' },
      image,
      this.labels,
      options,
    );
  }
}
