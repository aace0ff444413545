/** Model adapters: one per family, picked from the ONNX signature. */
export * from './model-adapter.js';
export { ModelError } from './errors.js';
export {
  createAdapter,
  detectFormat,
  describeSignature,
  describeValue,
  isModelFormat,
  MODEL_FORMATS,
  type CreateAdapterOptions,
  type ValueInfo,
} from './detect-format.js';
export {
  loadModel,
  readManifest,
  manifestPathFor,
  cudaFallbackReason,
  cudaProviderMissing,
  type Device,
  type LoadModelOptions,
  type LoadedModel,
} from './load-model.js';
export { TorchvisionMaskRcnnAdapter, type MaskRcnnAdapterInit } from './torchvision-maskrcnn.js';
export {
  ZooMaskRcnnAdapter,
  ZOO_DEFAULT_RESIZE,
  ZOO_LABELS,
  ZOO_MEAN_BGR,
  type ZooAdapterInit,
  type ZooContext,
  type ZooResizeSpec,
} from './zoo-maskrcnn.js';
export { YoloSegAdapter, YOLO_DEFAULT_INPUT_SIZE, YOLO_PAD_VALUE, type YoloContext, type YoloSegAdapterInit } from './yolo-seg.js';
export { postprocessMaskRcnn, pickOutputsByName, pickOutputsByShape, type MaskRcnnOutputs } from './maskrcnn-postprocess.js';
