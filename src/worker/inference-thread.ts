/**
 * The inference thread: pre- and postprocessing for its process's model, off the main thread.
 * The session itself runs in the session thread it starts (see inference-protocol.ts), so while
 * one frame is in session.run the next is converted to a tensor and the previous one's masks are
 * pasted and encoded here. With a semantic model beside the instance model (panoptic), that model
 * has a session thread of its own and both run on every frame, side by side.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createAdapter, createSemanticAdapter } from '../core/adapters/detect-format.js';
import type { AnyModelAdapter } from '../core/adapters/model-adapter.js';
import type { Instance, SemanticRegion } from '../core/types.js';
import type { FromInference, InferenceThreadConfig, ToInference } from './inference-protocol.js';
import { SessionClient } from './session-client.js';
import { reniceThisThread } from '../core/priority.js';

const config = workerData as InferenceThreadConfig;
const port = parentPort!;
const send = (msg: FromInference): void => port.postMessage(msg);

interface Model {
  session: SessionClient;
  adapter: AnyModelAdapter;
}

type Image = { yuv: Uint8Array; width: number; height: number };

/** One model on one frame: its instances or its semantic map, and where the time went. */
async function runModel(m: Model, image: Image): Promise<{ instances?: Instance[]; semantic?: SemanticRegion[]; inferMs: number; preMs: number; postMs: number }> {
  const t0 = performance.now();
  const prepared = m.adapter.preprocess(image, m.session.allocate);
  const preMs = performance.now() - t0;
  const a = m.adapter;
  const { outputs, inferMs, semantic, decodeMs } = await m.session.run(prepared.feeds, a.task === 'semantic' ? { width: image.width, height: image.height } : undefined);
  // A semantic session decoded the map itself (see open()).
  if (semantic) return { semantic, inferMs, preMs, postMs: decodeMs ?? 0 };
  const t1 = performance.now();
  const out = a.task === 'semantic'
    ? { semantic: a.postprocess(outputs, prepared, image) }
    : { instances: a.postprocess(outputs, prepared, image, config.postprocess) };
  return { ...out, inferMs, preMs, postMs: performance.now() - t1 };
}

async function infer(main: Model, semantic: Model | undefined, msg: ToInference): Promise<void> {
  try {
    const image = { yuv: msg.yuv, width: msg.width, height: msg.height };
    const [a, b] = await Promise.all([runModel(main, image), semantic ? runModel(semantic, image) : undefined]);
    const semanticMap = a.semantic ?? b?.semantic;
    send({
      type: 'result',
      id: msg.id,
      instances: a.instances ?? [],
      ...(semanticMap ? { semantic: semanticMap } : {}),
      inferMs: a.inferMs + (b?.inferMs ?? 0),
      preMs: a.preMs + (b?.preMs ?? 0),
      postMs: a.postMs + (b?.postMs ?? 0),
      inputBuffersAllocated: main.session.allocated + (semantic?.session.allocated ?? 0),
    });
  } catch (err) {
    send({ type: 'error', id: msg.id, message: (err as Error).message });
  }
}

async function open(modelPath: string, task: 'instances' | 'semantic', sessionConfig: InferenceThreadConfig | NonNullable<InferenceThreadConfig['semantic']>, opened: SessionClient[]): Promise<Model> {
  // A semantic model's session decodes its own scores (SessionConfig.decodeSemantic).
  const session = await SessionClient.start({ ...sessionConfig, ...(task === 'semantic' ? { decodeSemantic: true } : {}) });
  opened.push(session);
  const r = session.ready;
  // An unknown signature, or a model of the other task, fails here, before any frame.
  const make = task === 'semantic' ? createSemanticAdapter : createAdapter;
  const adapter = make(r.inputMetadata, r.outputMetadata, r.manifest, sessionConfig.format, { source: modelPath });
  return { session, adapter };
}

async function main(): Promise<void> {
  const opened: SessionClient[] = [];
  let primary: Model;
  let semantic: Model | undefined;
  try {
    primary = await open(config.modelPath, config.task ?? 'instances', config, opened);
    if (config.semantic) {
      semantic = await open(config.semantic.modelPath, 'semantic', { ...config.semantic, intraOpThreads: config.intraOpThreads }, opened);
    }
  } catch (err) {
    for (const s of opened) await s.close();
    send({ type: 'init-error', message: (err as Error).message });
    return;
  }
  const p = primary; // consts keep the narrowed types inside the handler below
  const sem = semantic;
  const r = p.session.ready;
  // The session threads (and onnxruntime's threads, which they started) keep normal priority;
  // this thread's pre/postprocessing yields to them (src/core/priority.ts).
  reniceThisThread();
  send({
    type: 'ready',
    format: p.adapter.format,
    device: r.device,
    fallbackReason: r.fallbackReason,
    name: r.manifest?.name,
    trained: r.manifest?.trained,
    ...(sem ? { semanticFormat: sem.adapter.format } : {}),
  });
  // Not serialised: each frame's tensor goes to the session queue as soon as it is ready.
  port.on('message', (msg: ToInference) => void infer(p, sem, msg));
}

void main();
