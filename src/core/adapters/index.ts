/** Model adapters: one per family, picked from the ONNX signature. */
export * from './model-adapter.js';
export { ModelError } from './errors.js';
export { createAdapter, createAnyAdapter, createSemanticAdapter, detectFormat, type CreateAdapterOptions } from './detect-format.js';
export { describeSignature, describeValue, type ModelSignature, type ValueInfo } from './signature.js';
export { familyOf, formatDescriptions, isModelFormat, MODEL_FAMILIES, MODEL_FORMATS } from './registry.js';
export type { ModelFamily } from './model-family.js';
export {
  loadModel,
  openModelSession,
  readManifest,
  manifestPathFor,
  cudaFallbackReason,
  cudaProviderMissing,
  type Device,
  type LoadModelOptions,
  type LoadedModel,
  type ModelSession,
} from './load-model.js';
export { TorchvisionMaskRcnnAdapter, torchvisionFamily, type MaskRcnnAdapterInit } from './torchvision-maskrcnn.js';
export {
  ZooMaskRcnnAdapter,
  zooFamily,
  ZOO_DEFAULT_RESIZE,
  ZOO_LABELS,
  ZOO_MEAN_BGR,
  type ZooAdapterInit,
  type ZooContext,
  type ZooResizeSpec,
} from './zoo-maskrcnn.js';
export { YoloSegAdapter, yoloSegFamily, YOLO_DEFAULT_INPUT_SIZE, YOLO_PAD_VALUE, type YoloContext, type YoloSegAdapterInit } from './yolo-seg.js';
export { postprocessMaskRcnn, pickOutputsByName, pickOutputsByShape, type MaskRcnnOutputs } from './maskrcnn-postprocess.js';
export { SemanticSegAdapter, type SemanticAdapterInit } from './semantic-adapter.js';
export { torchvisionSemanticFamily, IMAGENET_MEAN, IMAGENET_STD, VOC21_LABELS } from './torchvision-semantic.js';
export { unetSemanticFamily } from './unet-semantic.js';
