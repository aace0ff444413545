/**
 * A model's ONNX signature as onnxruntime reports it (`session.inputMetadata` /
 * `session.outputMetadata`), and the few readings of it the model families match on.
 */
import type { InferenceSession } from 'onnxruntime-node';

/** What we read of one input/output: onnxruntime's ValueMetadata, loosely typed for tests. */
export type ValueInfo =
  | InferenceSession.ValueMetadata
  | { readonly name: string; readonly isTensor: boolean; readonly type?: string; readonly shape?: ReadonlyArray<number | string> };

export interface ModelSignature {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

/** The declared shape; undefined for non-tensors and undeclared shapes. */
export function shapeOf(v: ValueInfo): ReadonlyArray<number | string> | undefined {
  if (!v.isTensor) return undefined;
  const s = (v as { shape?: ReadonlyArray<number | string> }).shape;
  // onnxruntime reports an empty array when the shape is not defined.
  return s && s.length > 0 ? s : undefined;
}

/** Rank of the declared shape, -1 when unknown. */
export function rankOf(v: ValueInfo): number {
  return shapeOf(v)?.length ?? -1;
}

/** A positive static dimension, else undefined (symbolic, dynamic or absent). */
export function staticDim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

function typeOf(v: ValueInfo): string {
  return v.isTensor ? String((v as { type?: string }).type ?? '?') : 'non-tensor';
}

/** `image float32[3,H,W]`: symbolic dims as their names, unknown shape as `?`. */
export function describeValue(v: ValueInfo): string {
  if (!v.isTensor) return `${v.name} (non-tensor)`;
  const s = shapeOf(v);
  return `${v.name} ${typeOf(v)}[${s ? s.map((d) => (typeof d === 'number' && d < 0 ? '?' : String(d))).join(',') : '?'}]`;
}

export function describeSignature(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): string {
  return `inputs [${inputs.map(describeValue).join(', ')}], outputs [${outputs.map(describeValue).join(', ')}]`;
}

/** The image input every family feeds: the first input, [3,H,W] or [1,3,H,W]. */
export function imageInput(signature: ModelSignature): { name: string; rank: 3 | 4; shape: ReadonlyArray<number | string> | undefined } {
  const input = signature.inputs[0];
  if (!input) throw new Error('the model has no inputs');
  const shape = shapeOf(input);
  return { name: input.name, rank: shape?.length === 4 ? 4 : 3, shape };
}
