/**
 * Opens an ONNX model: sidecar manifest, onnxruntime session (CUDA with CPU fallback), adapter.
 * Every failure a user can cause becomes a one-line {@link ModelError}.
 */
import { promises as fsp, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import type { ModelAdapter, ModelFormat, ModelManifest } from './model-adapter.js';
import { ModelError } from './errors.js';
import { createAdapter } from './detect-format.js';
import { isModelFormat, MODEL_FORMATS } from './registry.js';

export type Device = 'cpu' | 'cuda';

export interface LoadModelOptions {
  device: Device;
  /** onnxruntime intra-op threads (0 or undefined: onnxruntime's default). */
  intraOpThreads?: number;
  /** Force the family instead of detecting it (`--format`). */
  format?: ModelFormat;
}

/** A model's session and manifest, before an adapter is chosen (see {@link openModelSession}). */
export interface ModelSession {
  session: ort.InferenceSession;
  /** The sidecar manifest, when there is one. */
  manifest: ModelManifest | undefined;
  /** The device the session actually runs on. */
  device: Device;
  /** Why a CUDA request ended up on the CPU (one line, for the log). */
  fallbackReason?: string;
}

export interface LoadedModel extends ModelSession {
  adapter: ModelAdapter;
}

/** `dir/x.onnx` → `dir/x.json`. */
export function manifestPathFor(modelPath: string): string {
  const ext = path.extname(modelPath);
  return (ext ? modelPath.slice(0, -ext.length) : modelPath) + '.json';
}

/** The sidecar manifest, or undefined when there is none. Throws ModelError when it is malformed. */
export async function readManifest(modelPath: string): Promise<ModelManifest | undefined> {
  const p = manifestPathFor(modelPath);
  let text: string;
  try {
    text = await fsp.readFile(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelError(`cannot read model manifest '${p}' (${(e as Error).message})`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`model manifest '${p}' is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ModelError(`model manifest '${p}' must be a JSON object`);
  }
  const m = json as ModelManifest;
  if (m.format !== undefined && !isModelFormat(m.format)) {
    throw new ModelError(
      `model manifest '${p}' has unknown format '${String(m.format)}' (expected one of ${MODEL_FORMATS.join(', ')})`,
    );
  }
  if (m.labels !== undefined && (!Array.isArray(m.labels) || m.labels.some((l) => typeof l !== 'string'))) {
    throw new ModelError(`model manifest '${p}' has invalid labels (expected an array of strings)`);
  }
  return m;
}

/** First line of an onnxruntime error, without its "Load model from X failed:" preamble. */
function shortOrtReason(e: unknown): string {
  const msg = String((e as Error)?.message ?? e);
  const line = (msg.split('\n')[0] ?? '').replace(/^Load model from .*? failed:\s*/, '').trim();
  return line.length > 200 ? line.slice(0, 197) + '...' : line;
}

function looksLikeCudaProblem(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? e);
  return /cuda|providers_shared|execution provider|Failed to load shared library|cudnn|cublas/i.test(msg);
}

/** Where onnxruntime-node keeps its native libraries (bin/napi-vN/platform/arch). */
function ortBinDirs(): string[] {
  try {
    const req = createRequire(import.meta.url);
    const bin = path.join(path.dirname(req.resolve('onnxruntime-node/package.json')), 'bin');
    return readdirSync(bin).map((napi) => path.join(bin, napi, process.platform, process.arch));
  } catch {
    return [];
  }
}

const CUDA_PROVIDER_LIB =
  process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';

/**
 * True when onnxruntime-node's native folder is found and holds no CUDA provider library (the
 * default install): asking for CUDA would only fail, after onnxruntime prints a native error line.
 */
export function cudaProviderMissing(): boolean {
  const dirs = ortBinDirs().filter((d) => existsSync(path.join(d, 'onnxruntime_binding.node')));
  return dirs.length > 0 && !dirs.some((d) => existsSync(path.join(d, CUDA_PROVIDER_LIB)));
}

const CUDA_MISSING_DETAIL = `${CUDA_PROVIDER_LIB} not found; install it with ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`;

/** One-line reason for a failed CUDA session, e.g. "libonnxruntime_providers_cuda.so not found". */
export function cudaFallbackReason(e?: unknown): string {
  const detail = cudaProviderMissing() || e === undefined ? CUDA_MISSING_DETAIL : shortOrtReason(e);
  return `CUDA execution provider unavailable (${detail}); using CPU`;
}

function mapLoadError(modelPath: string, e: unknown): ModelError {
  const reason = shortOrtReason(e);
  if (/protobuf pars/i.test(reason) || /Protobuf parsing failed/i.test(String((e as Error)?.message))) {
    return new ModelError(`model '${modelPath}' is not a valid ONNX file (protobuf parsing failed)`, { cause: e });
  }
  if (/File doesn't exist|No such file/i.test(reason)) {
    return new ModelError(`model file not found: '${modelPath}'`, { cause: e });
  }
  if (/ModelProto|Invalid model|opset|IR version|model_load_utils/i.test(reason)) {
    return new ModelError(`model '${modelPath}' is not a valid ONNX file (${reason})`, { cause: e });
  }
  return new ModelError(`model '${modelPath}' could not be loaded (${reason})`, { cause: e });
}

/**
 * Manifest + session + adapter for the model at `modelPath` (see {@link openModelSession}).
 * Throws ModelError when no adapter fits its signature.
 */
export async function loadModel(modelPath: string, opts: LoadModelOptions): Promise<LoadedModel> {
  const opened = await openModelSession(modelPath, opts);
  let adapter: ModelAdapter;
  try {
    adapter = createAdapter(opened.session.inputMetadata, opened.session.outputMetadata, opened.manifest, opts.format, { source: modelPath });
  } catch (e) {
    await opened.session.release().catch(() => undefined);
    throw e;
  }
  return { ...opened, adapter };
}

/**
 * Manifest + session for the model at `modelPath`, for a thread that only runs the session (the
 * adapter lives where pre/postprocessing runs). CUDA asked but unavailable: falls back to the CPU
 * and says why in `fallbackReason`.
 */
export async function openModelSession(modelPath: string, opts: Omit<LoadModelOptions, 'format'>): Promise<ModelSession> {
  let st;
  try {
    st = await fsp.stat(modelPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new ModelError(`model file not found: '${modelPath}'`, { cause: e });
    }
    throw new ModelError(`cannot read model '${modelPath}' (${(e as Error).message})`, { cause: e });
  }
  if (st.isDirectory()) throw new ModelError(`model '${modelPath}' is a directory, not an ONNX file`);
  if (!st.isFile()) throw new ModelError(`model '${modelPath}' is not a regular file`);
  if (st.size === 0) throw new ModelError(`model '${modelPath}' is not a valid ONNX file (empty file)`);

  const manifest = await readManifest(modelPath);

  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
    interOpNumThreads: 1,
    // Idle intra-op threads spin by default, burning the cores that ffmpeg decode/encode and our
    // pre/postprocessing need in the same pipeline.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  let session: ort.InferenceSession | undefined;
  let device: Device = 'cpu';
  let fallbackReason: string | undefined;
  if (opts.device === 'cuda' && cudaProviderMissing()) {
    fallbackReason = cudaFallbackReason();
  } else if (opts.device === 'cuda') {
    try {
      session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cuda', 'cpu'] });
      device = 'cuda';
    } catch (e) {
      if (!looksLikeCudaProblem(e)) throw mapLoadError(modelPath, e);
      fallbackReason = cudaFallbackReason(e);
    }
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] });
    } catch (e) {
      throw mapLoadError(modelPath, e);
    }
  }

  return { session, manifest, device, ...(fallbackReason ? { fallbackReason } : {}) };
}
