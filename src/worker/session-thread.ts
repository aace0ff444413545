/**
 * The session thread: owns the one onnxruntime session of its process and does nothing but
 * session.run, one frame after the other, as soon as the inference thread hands it the tensors
 * (see inference-protocol.ts for who does what). The one exception: a semantic model's scores are
 * decoded here, in the buffer onnxruntime wrote them to (SessionConfig.decodeSemantic).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { openModelSession, type ModelSession } from '../core/adapters/load-model.js';
import { createSemanticAdapter } from '../core/adapters/detect-format.js';
import type { SemanticModelAdapter } from '../core/adapters/model-adapter.js';
import type { FromSession, SessionConfig, ToSession, WireTensor } from './inference-protocol.js';

const config = workerData as SessionConfig;
const port = parentPort!;

function buffersOf(tensors: Record<string, WireTensor>): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const t of Object.values(tensors)) {
    const buf = (t.data as { buffer?: ArrayBufferLike }).buffer;
    if (buf instanceof ArrayBuffer && buf.byteLength > 0) set.add(buf);
  }
  return [...set];
}

/** Posts with the given buffers transferred; falls back to copying buffers that cannot move. */
function send(msg: FromSession, transfer: ArrayBuffer[] = []): void {
  try {
    port.postMessage(msg, transfer);
  } catch {
    port.postMessage(msg);
  }
}

async function main(): Promise<void> {
  let loaded: ModelSession;
  try {
    // No adapter here: the inference thread builds it from the metadata sent below.
    loaded = await openModelSession(config.modelPath, { device: config.device, intraOpThreads: config.intraOpThreads });
  } catch (err) {
    send({ type: 'init-error', message: (err as Error).message });
    return;
  }
  const { session } = loaded;
  let semantic: SemanticModelAdapter | undefined;
  if (config.decodeSemantic) {
    try {
      // The same adapter the inference thread builds from the same metadata; only its decoding is used here.
      semantic = createSemanticAdapter(session.inputMetadata, session.outputMetadata, loaded.manifest, config.format, { source: config.modelPath });
    } catch (err) {
      send({ type: 'init-error', message: (err as Error).message });
      return;
    }
  }
  send({
    type: 'ready',
    device: loaded.device,
    fallbackReason: loaded.fallbackReason,
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    manifest: loaded.manifest,
  });

  // Runs one at a time: the session is not re-entrant and the cores are busy anyway.
  let chain = Promise.resolve();
  port.on('message', (msg: ToSession) => {
    chain = chain.then(async () => {
      const recycled = buffersOf(msg.feeds);
      try {
        const feeds: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(msg.feeds)) {
          feeds[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
        }
        if (semantic && msg.frame) {
          const input = { feeds, context: null };
          const fetches = semantic.fetches?.(input);
          const t0 = performance.now();
          const outputs = fetches ? await session.run(feeds, fetches) : await session.run(feeds);
          const t1 = performance.now();
          const regions = semantic.postprocess(outputs, input, msg.frame);
          const decodeMs = performance.now() - t1;
          send({ type: 'result', id: msg.id, outputs: {}, semantic: regions, decodeMs, inferMs: t1 - t0, recycled }, recycled);
          return;
        }
        const t0 = performance.now();
        const outputs = await session.run(feeds);
        const inferMs = performance.now() - t0;
        const wire: Record<string, WireTensor> = {};
        for (const [name, t] of Object.entries(outputs)) wire[name] = { type: t.type, data: t.data, dims: t.dims };
        send({ type: 'result', id: msg.id, outputs: wire, inferMs, recycled }, [...buffersOf(wire), ...recycled]);
      } catch (err) {
        send({ type: 'error', id: msg.id, message: (err as Error).message, recycled }, recycled);
      }
    });
  });
}

void main();
