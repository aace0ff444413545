/**
 * What a model family file exports for the registry (registry.ts): its format names, how to
 * recognise its signature, and how to build its adapter. Help text, `--format` validation and
 * detection all read these.
 */
import type { AnyModelAdapter, ModelManifest } from './model-adapter.js';
import type { ModelSignature } from './signature.js';

export interface ModelFamily<F extends string = string> {
  /** The format names this family answers to (`--format`, a manifest's `format`). */
  readonly formats: readonly F[];
  /** What the model outputs per frame: instances, or a semantic map (its adapter's `task`). */
  readonly task: 'instances' | 'semantic';
  /** One help line per format: the model it is and the signature it expects. */
  readonly describe: Readonly<Record<F, string>>;
  /** The format this signature is, or null when it is none of this family's. */
  matches(signature: ModelSignature): F | null;
  /** The adapter for a model of `format` (detected, or forced even when the signature differs). */
  create(format: F, signature: ModelSignature, manifest: ModelManifest | undefined): AnyModelAdapter;
}
