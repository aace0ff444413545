/**
 * Instance overlay: masks, then boxes, then labels, like supervision's annotators chained; a
 * semantic map, when the result has one, goes under them (panoptic: instances over "stuff").
 */
import type { FrameResult, Instance } from '../types.js';
import type { Yuv420Image } from '../yuv420.js';
import { BoxAnnotator, type BoxAnnotatorOptions } from './box-annotator.js';
import { LabelAnnotator, type LabelAnnotatorOptions } from './label-annotator.js';
import { MaskAnnotator, type MaskAnnotatorOptions } from './mask-annotator.js';
import { SemanticAnnotator, type SemanticAnnotatorOptions } from './semantic-annotator.js';

export { BoxAnnotator, type BoxAnnotatorOptions } from './box-annotator.js';
export { fillRect, paintBitmap } from './yuv-canvas.js';
export { LabelAnnotator, autoTextScale, labelText, type LabelAnnotatorOptions } from './label-annotator.js';
export { MaskAnnotator, type MaskAnnotatorOptions } from './mask-annotator.js';
export { SemanticAnnotator, semanticClassColor, SEMANTIC_PALETTE_OFFSET, type SemanticAnnotatorOptions } from './semantic-annotator.js';
export { PALETTE, colorFor, contrastingText, instanceColor, type Rgb } from './palette.js';
export { drawText, measureText } from './font.js';

/** Which layers to draw (all on by default) and each annotator's options. */
export interface DrawOptions {
  /** Draw translucent masks (instance masks and the semantic map's fill and legend). Default true. */
  masks?: boolean;
  /** Draw box outlines. Default true. */
  boxes?: boolean;
  /** Draw "label score #track" tags. Default true. */
  labels?: boolean;
  mask?: MaskAnnotatorOptions;
  box?: BoxAnnotatorOptions;
  label?: LabelAnnotatorOptions;
  semantic?: SemanticAnnotatorOptions;
}

/**
 * Holds the three annotators (and the mask run buffers) for reuse across frames: keep one per
 * output stream.
 */
export class InstanceRenderer {
  private readonly mask: MaskAnnotator | null;
  private readonly box: BoxAnnotator | null;
  private readonly label: LabelAnnotator | null;
  private readonly semantic: SemanticAnnotator | null;

  constructor(opts: DrawOptions = {}) {
    this.semantic = opts.masks === false ? null : new SemanticAnnotator(opts.semantic);
    this.mask = opts.masks === false ? null : new MaskAnnotator(opts.mask);
    this.box = opts.boxes === false ? null : new BoxAnnotator(opts.box);
    this.label = opts.labels === false ? null : new LabelAnnotator(opts.label);
  }

  /** Draws the semantic map (if any), then masks, then boxes, then labels into the I420 `frame`, in place. */
  annotate(frame: Yuv420Image, instances: Instance[], semantic?: FrameResult['semantic']): void {
    // A plain view of a Buffer frame (the decoder's pool): Buffer#fill is a checked JS wrapper,
    // and one array class keeps the drawing loops monomorphic.
    const { yuv } = frame;
    if (Buffer.isBuffer(yuv)) frame = { ...frame, yuv: new Uint8Array(yuv.buffer, yuv.byteOffset, yuv.byteLength) };
    if (semantic) this.semantic?.annotate(frame, semantic);
    this.mask?.annotate(frame, instances);
    this.box?.annotate(frame, instances);
    this.label?.annotate(frame, instances);
  }
}

const defaultRenderer = new InstanceRenderer();
// One renderer per options object, so per-frame calls reuse the mask run buffers instead of allocating.
const renderers = new WeakMap<DrawOptions, InstanceRenderer>();

/**
 * Draws `instances` into the I420 `frame` in place: mask -> box -> label. The renderer built for an options
 * object is cached on that object (WeakMap), so pass the same object every frame; changes made to
 * it after its first use are not seen.
 */
export function drawInstances(frame: Yuv420Image, instances: Instance[], opts?: DrawOptions): void {
  rendererFor(opts).annotate(frame, instances);
}

/** As {@link drawInstances}, for a whole result: its semantic map under its instances. */
export function drawResult(frame: Yuv420Image, result: Pick<FrameResult, 'instances' | 'semantic'>, opts?: DrawOptions): void {
  rendererFor(opts).annotate(frame, result.instances, result.semantic);
}

function rendererFor(opts: DrawOptions | undefined): InstanceRenderer {
  if (!opts) return defaultRenderer;
  const renderer = renderers.get(opts) ?? new InstanceRenderer(opts);
  renderers.set(opts, renderer);
  return renderer;
}
