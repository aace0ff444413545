import type { Worker } from 'node:worker_threads';
import type { ModelFormat } from '../core/adapters/model-adapter.js';
import type { Instance, SemanticRegion } from '../core/types.js';
import type { FromInference, InferenceThreadConfig, ToInference } from './inference-protocol.js';
import { PendingCalls, startThread } from './thread-rpc.js';

export interface InferenceOutput {
  instances: Instance[];
  /** The semantic map, when a semantic model ran. */
  semantic?: SemanticRegion[];
  /** Milliseconds in session.run (both models' together, when two ran). */
  inferMs: number;
  /** Milliseconds in preprocessing (the input tensor) and in postprocessing (NMS, masks, RLE). */
  preMs: number;
  postMs: number;
}

export interface EngineInfo {
  format: ModelFormat;
  device: 'cpu' | 'cuda';
  fallbackReason?: string;
  name?: string;
  trained?: boolean;
  /** The semantic model's format, when one runs beside the instance model. */
  semanticFormat?: ModelFormat;
}

/**
 * Main-thread handle on one inference thread, which does pre- and postprocessing and runs the
 * process's one model session in a thread of its own (inference-protocol.ts). Calls queue up
 * there; each resolves with its frame's instances.
 */
export class InferenceEngine {
  private readonly calls: PendingCalls<InferenceOutput>;
  private allocated = 0;

  private constructor(private readonly thread: Worker, readonly info: EngineInfo) {
    this.calls = new PendingCalls(thread, 'inference thread');
    thread.on('message', (msg: FromInference) => this.onMessage(msg));
  }

  /** Starts the thread and loads the model; rejects with the model's one-line error. */
  static async start(config: InferenceThreadConfig): Promise<InferenceEngine> {
    const { thread, ready } = await startThread<Extract<FromInference, { type: 'ready' }>>('inference-thread', config);
    const { format, device, fallbackReason, name, trained, semanticFormat } = ready;
    return new InferenceEngine(thread, { format, device, fallbackReason, name, trained, ...(semanticFormat ? { semanticFormat } : {}) });
  }

  /**
   * Runs the model on one I420 frame. Pixels on a SharedArrayBuffer (the decoder's frame pool) are
   * shared with the thread, others copied; either way the caller keeps them, and must not change
   * them until the promise settles.
   */
  infer(yuv: Uint8Array, width: number, height: number): Promise<InferenceOutput> {
    return this.calls.call((id) => {
      const msg: ToInference = { type: 'infer', id, yuv, width, height };
      this.thread.postMessage(msg);
    });
  }

  /** Input tensor buffers allocated so far (the rest were recycled): for tests and benchmarks. */
  get inputBuffersAllocated(): number {
    return this.allocated;
  }

  async close(): Promise<void> {
    this.calls.fail(new Error('inference engine closed'));
    await this.thread.terminate();
  }

  private onMessage(msg: FromInference): void {
    if (msg.type === 'result') {
      this.allocated = msg.inputBuffersAllocated;
      const value: InferenceOutput = { instances: msg.instances, inferMs: msg.inferMs, preMs: msg.preMs, postMs: msg.postMs };
      if (msg.semantic) value.semantic = msg.semantic;
      this.calls.settle(msg.id, { value });
    } else if (msg.type === 'error') {
      this.calls.settle(msg.id, { error: new Error(msg.message) });
    }
  }
}
