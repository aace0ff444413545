/**
 * The inference thread: pre- and postprocessing for its process's model, off the main thread.
 * The session itself runs in the session thread it starts (see inference-protocol.ts), so while
 * one frame is in session.run the next is converted to a tensor and the previous one's masks are
 * pasted and encoded here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createAdapter } from '../core/adapters/detect-format.js';
import type { ModelAdapter } from '../core/adapters/model-adapter.js';
import type { FromInference, InferenceThreadConfig, ToInference } from './inference-protocol.js';
import { SessionClient } from './session-client.js';
import { reniceThisThread } from '../core/priority.js';

const config = workerData as InferenceThreadConfig;
const port = parentPort!;
const send = (msg: FromInference): void => port.postMessage(msg);

async function infer(session: SessionClient, adapter: ModelAdapter, msg: ToInference): Promise<void> {
  try {
    const image = { yuv: msg.yuv, width: msg.width, height: msg.height };
    const t0 = performance.now();
    const prepared = adapter.preprocess(image, session.allocate);
    const preMs = performance.now() - t0;
    const { outputs, inferMs } = await session.run(prepared.feeds);
    const t1 = performance.now();
    const instances = adapter.postprocess(outputs, prepared, image, config.postprocess);
    const postMs = performance.now() - t1;
    send({ type: 'result', id: msg.id, instances, inferMs, preMs, postMs, inputBuffersAllocated: session.allocated });
  } catch (err) {
    send({ type: 'error', id: msg.id, message: (err as Error).message });
  }
}

async function main(): Promise<void> {
  let session: SessionClient | undefined;
  let adapter: ModelAdapter;
  try {
    session = await SessionClient.start(config);
    const r = session.ready;
    // An unknown signature fails here, before any frame.
    adapter = createAdapter(r.inputMetadata, r.outputMetadata, r.manifest, config.format, { source: config.modelPath });
  } catch (err) {
    await session?.close();
    send({ type: 'init-error', message: (err as Error).message });
    return;
  }
  const client = session; // a const keeps the narrowed type inside the handler below
  const r = client.ready;
  // The session thread (and onnxruntime's threads, which it started) keep normal priority;
  // this thread's pre/postprocessing yields to them (src/core/priority.ts).
  reniceThisThread();
  send({ type: 'ready', format: adapter.format, device: r.device, fallbackReason: r.fallbackReason, name: r.manifest?.name, trained: r.manifest?.trained });
  // Not serialised: each frame's tensor goes to the session queue as soon as it is ready.
  port.on('message', (msg: ToInference) => void infer(client, adapter, msg));
}

void main();
