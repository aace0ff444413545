export { SYNTH_CATEGORIES, synthCategoryName } from './categories.js';
export { resolveSynthOptions, type SynthOptions, type ResolvedSynthOptions } from './options.js';
export { synthFrames, type SynthFrame, type SynthInstance } from './synth-frames.js';
export { CocoGtBuilder, groundTruthPathFor, type CocoGt, type CocoGtAnnotation, type CocoGtImage } from './coco-gt.js';
export { writeSynthClip, synthGroundTruth, type SynthClipResult } from './synth-clip.js';
export { Rng } from './prng.js';
