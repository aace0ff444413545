/**
 * The inference thread: owns the one onnxruntime session of its process. onnxruntime-node's
 * session.run blocks the thread it runs on, so it must not be the main thread (BullMQ's lock
 * renewal lives there). Pre- and postprocessing run here too, off the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { loadModel } from '../core/adapters/load-model.js';
import type { FromThread, InferenceThreadConfig, ToThread } from './inference-protocol.js';

const config = workerData as InferenceThreadConfig;
const port = parentPort!;
const send = (msg: FromThread): void => port.postMessage(msg);

async function main(): Promise<void> {
  let loaded: Awaited<ReturnType<typeof loadModel>>;
  try {
    loaded = await loadModel(config.modelPath, { device: config.device, intraOpThreads: config.intraOpThreads, format: config.format });
  } catch (err) {
    send({ type: 'init-error', message: (err as Error).message });
    return;
  }
  const { session, adapter } = loaded;
  send({
    type: 'ready',
    format: adapter.format,
    device: loaded.device,
    fallbackReason: loaded.fallbackReason,
    labels: adapter.labels.length,
    name: loaded.manifest?.name,
    trained: loaded.manifest?.trained,
  });

  // Messages are handled one at a time: the session is not re-entrant and the cores are busy anyway.
  let chain = Promise.resolve();
  port.on('message', (msg: ToThread) => {
    chain = chain.then(async () => {
      try {
        const t0 = performance.now();
        const image = { rgb: msg.rgb, width: msg.width, height: msg.height };
        const prepared = adapter.preprocess(image);
        const t1 = performance.now();
        const outputs = await session.run(prepared.feeds);
        const t2 = performance.now();
        const instances = adapter.postprocess(outputs, prepared, image, config.postprocess);
        const t3 = performance.now();
        for (const t of Object.values(outputs)) (t as { dispose?: () => void }).dispose?.();
        send({ type: 'result', id: msg.id, instances, preMs: t1 - t0, inferMs: t2 - t1, postMs: t3 - t2 });
      } catch (err) {
        send({ type: 'error', id: msg.id, message: (err as Error).message });
      }
    });
  });
}

void main();
