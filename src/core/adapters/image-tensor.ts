import * as ort from 'onnxruntime-node';
import { yuv420ToChwFloat, type TensorLayout } from '../geometry.js';
import type { Yuv420Image, TensorAllocator } from './model-adapter.js';

/**
 * The frame as a float32 CHW image tensor laid out by `layout` ([3,H,W], or [1,3,H,W] for rank 4).
 * Its data comes from `alloc` (recycled buffers are fine: every element is written, padding
 * included).
 */
export function imageTensor(image: Yuv420Image, layout: TensorLayout, rank: 3 | 4, alloc: TensorAllocator): ort.Tensor {
  const { tensorW: w, tensorH: h } = layout;
  const data = alloc(3 * w * h);
  yuv420ToChwFloat(image.yuv, image.width, image.height, layout, data);
  return new ort.Tensor('float32', data, rank === 4 ? [1, 3, h, w] : [3, h, w]);
}
