/**
 * Mask R-CNN from the ONNX Model Zoo (MaskRCNN-10/12, maskrcnn-benchmark lineage).
 *
 * Input: float32 [3,H,W] **BGR 0..255 minus mean [102.9801, 115.9465, 122.7717]**, resized by the
 * caller so the short side is 800 (long side ≤ 1333), zero-padded (after mean subtraction) to
 * multiples of 32. Outputs carry node-number names, so they are identified by rank and type:
 * boxes [N,4] in resized px, labels int64 [N], scores float [N], masks [N,1,28,28].
 * Postprocessing is the one shared with torchvision-28 ({@link postprocessMaskRcnn}).
 */
import * as ort from 'onnxruntime-node';
import type { Instance } from '../types.js';
import type { ModelAdapter, PostprocessOptions, PreparedInput, Yuv420Image, TensorAllocator } from './model-adapter.js';
import { newTensorData } from './model-adapter.js';
import type { ModelFamily } from './model-family.js';
import { imageInput, rankOf } from './signature.js';
import { resizeShortSide, type ShortSideResize, type TensorLayout } from '../geometry.js';
import { imageTensor } from './image-tensor.js';
import { COCO80_CATEGORY_IDS, COCO80_LABELS, sameLabels } from '../labels.js';
import { pickOutputsByShape, postprocessMaskRcnn } from './maskrcnn-postprocess.js';

/** The zoo models' BGR channel means (B, G, R). */
export const ZOO_MEAN_BGR: [number, number, number] = [102.9801, 115.9465, 122.7717];

/**
 * Zoo MaskRCNN-10/12 label ids are contiguous: 0 = background, 1..80 = the COCO-80 classes in the
 * usual order (not the sparse COCO-91 ids torchvision uses).
 */
export const ZOO_LABELS: readonly string[] = ['__background__', ...COCO80_LABELS];

export interface ZooResizeSpec {
  /** Target short side. Default 800. */
  shortSide: number;
  /** Cap on the long side. Default 1333. */
  maxLongSide: number;
  /** Pad H and W up to a multiple of this. Default 32. */
  padMultiple: number;
}

export const ZOO_DEFAULT_RESIZE: ZooResizeSpec = { shortSide: 800, maxLongSide: 1333, padMultiple: 32 };

export interface ZooAdapterInit {
  /** Name of the graph's image input. Default 'image'. */
  inputName?: string;
  /** Rank of the image input: 3 ([3,H,W], the zoo's) or 4 ([1,3,H,W]). */
  inputRank?: 3 | 4;
  labels?: readonly string[];
  /** classId per model label. Default: COCO category ids with the default labels, else the label. */
  categoryIds?: readonly number[];
  resize?: Partial<ZooResizeSpec>;
  /** BGR means; default {@link ZOO_MEAN_BGR}. */
  meanBgr?: [number, number, number];
}

/** Geometry kept from preprocess for postprocess: the resize itself. */
export type ZooContext = ShortSideResize;

export class ZooMaskRcnnAdapter implements ModelAdapter {
  readonly format = 'zoo' as const;
  readonly labels: readonly string[];
  readonly categoryIds?: readonly number[];
  readonly resize: ZooResizeSpec;
  private readonly inputName: string;
  private readonly inputRank: 3 | 4;
  private readonly meanBgr: [number, number, number];

  constructor(init: ZooAdapterInit = {}) {
    this.inputName = init.inputName ?? 'image';
    this.inputRank = init.inputRank ?? 3;
    this.labels = init.labels ?? ZOO_LABELS;
    // The zoo models count COCO classes 1..80 contiguously; report COCO category ids instead.
    this.categoryIds = init.categoryIds ?? (sameLabels(this.labels, ZOO_LABELS) ? [0, ...COCO80_CATEGORY_IDS] : undefined);
    this.resize = { ...ZOO_DEFAULT_RESIZE, ...stripUndefined(init.resize ?? {}) };
    this.meanBgr = init.meanBgr ?? ZOO_MEAN_BGR;
  }

  preprocess(image: Yuv420Image, alloc: TensorAllocator = newTensorData): PreparedInput {
    const { width: w, height: h } = image;
    const r = resizeShortSide(w, h, this.resize.shortSide, this.resize.maxLongSide, this.resize.padMultiple);
    const layout: TensorLayout = {
      tensorW: r.paddedW,
      tensorH: r.paddedH,
      resizedW: r.resizedW,
      resizedH: r.resizedH,
      offsetX: 0,
      offsetY: 0,
      channelOrder: 'bgr',
      scale: 1,
      mean: this.meanBgr,
      padValue: 0,
    };
    const context: ZooContext = r;
    return { feeds: { [this.inputName]: imageTensor(image, layout, this.inputRank, alloc) }, context };
  }

  postprocess(
    outputs: Record<string, ort.Tensor>,
    input: PreparedInput,
    image: { width: number; height: number },
    options: PostprocessOptions,
  ): Instance[] {
    const ctx = input.context as ZooContext;
    return postprocessMaskRcnn(
      pickOutputsByShape(outputs),
      { boxScaleX: 1 / ctx.scaleX, boxScaleY: 1 / ctx.scaleY, maskKind: 'roi' },
      image,
      this.labels,
      options,
      this.categoryIds,
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Node-number output names, so: one rank-3 input and four outputs of ranks 2, 1, 1, 4. */
export const zooFamily: ModelFamily<'zoo'> = {
  formats: ['zoo'],
  task: 'instances',
  describe: {
    zoo: 'Mask R-CNN (ONNX Model Zoo): input [3,H,W], outputs [N,4] [N] [N] [N,1,28,28]',
  },
  matches({ inputs, outputs }) {
    const ranks = outputs.map(rankOf).sort((a, b) => a - b).join();
    return inputs.length === 1 && inputs[0]?.isTensor && rankOf(inputs[0]) === 3 && ranks === '1,1,2,4' ? 'zoo' : null;
  },
  create(_format, signature, manifest) {
    const input = imageInput(signature);
    const spec = manifest?.input;
    const positive = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
    const mean = spec?.mean;
    return new ZooMaskRcnnAdapter({
      inputName: input.name,
      inputRank: input.rank,
      ...(manifest?.labels ? { labels: manifest.labels } : {}),
      ...(manifest?.categoryIds ? { categoryIds: manifest.categoryIds } : {}),
      resize: {
        shortSide: positive(spec?.resize?.minSize),
        maxLongSide: positive(spec?.resize?.maxSize),
        padMultiple: positive(spec?.padMultiple),
      },
      ...(Array.isArray(mean) && mean.length === 3 && mean.every((v) => typeof v === 'number')
        ? { meanBgr: [mean[0], mean[1], mean[2]] as [number, number, number] }
        : {}),
    });
  },
};
