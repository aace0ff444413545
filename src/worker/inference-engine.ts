import { Worker } from 'node:worker_threads';
import type { ModelFormat } from '../core/adapters/model-adapter.js';
import type { Instance } from '../core/types.js';
import type { FromInference, InferenceThreadConfig, ToInference } from './inference-protocol.js';
import { threadEntry } from './thread-entry.js';

export interface InferenceOutput {
  instances: Instance[];
  /** Milliseconds in session.run. */
  inferMs: number;
  /** Milliseconds in pre- and postprocessing. */
  prePostMs: number;
}

export interface EngineInfo {
  format: ModelFormat;
  device: 'cpu' | 'cuda';
  fallbackReason?: string;
  name?: string;
  trained?: boolean;
}

/**
 * Main-thread handle on one inference thread, which does pre- and postprocessing and runs the
 * process's one model session in a thread of its own (inference-protocol.ts). Calls queue up
 * there; each resolves with its frame's instances.
 */
export class InferenceEngine {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (o: InferenceOutput) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;
  private allocated = 0;

  private constructor(private readonly thread: Worker, readonly info: EngineInfo) {
    thread.on('message', (msg: FromInference) => this.onMessage(msg));
    thread.on('error', (err) => this.fail(new Error(`inference thread crashed: ${err.message}`)));
    thread.on('exit', (code) => this.fail(new Error(`inference thread exited (code ${code})`)));
  }

  /** Starts the thread and loads the model; rejects with the model's one-line error. */
  static start(config: InferenceThreadConfig): Promise<InferenceEngine> {
    const thread = new Worker(threadEntry('inference-thread'), { workerData: config });
    return new Promise((resolve, reject) => {
      const onMessage = (msg: FromInference): void => {
        thread.off('message', onMessage);
        thread.off('error', onError);
        if (msg.type === 'ready') {
          resolve(new InferenceEngine(thread, { format: msg.format, device: msg.device, fallbackReason: msg.fallbackReason, name: msg.name, trained: msg.trained }));
        } else {
          void thread.terminate();
          reject(new Error(msg.type === 'init-error' ? msg.message : 'inference thread: unexpected first message'));
        }
      };
      const onError = (err: Error): void => reject(new Error(`inference thread failed to start: ${err.message}`));
      thread.on('message', onMessage);
      thread.once('error', onError);
    });
  }

  /**
   * Runs the model on one I420 frame. Pixels on a SharedArrayBuffer (the decoder's frame pool) are
   * shared with the thread, others copied; either way the caller keeps them, and must not change
   * them until the promise settles.
   */
  infer(yuv: Uint8Array, width: number, height: number): Promise<InferenceOutput> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToInference = { type: 'infer', id, yuv, width, height };
      this.thread.postMessage(msg);
    });
  }

  /** Input tensor buffers allocated so far (the rest were recycled): for tests and benchmarks. */
  get inputBuffersAllocated(): number {
    return this.allocated;
  }

  async close(): Promise<void> {
    this.dead ??= new Error('inference engine closed');
    await this.thread.terminate();
  }

  private onMessage(msg: FromInference): void {
    if (msg.type !== 'result' && msg.type !== 'error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'result') this.allocated = msg.inputBuffersAllocated;
    if (msg.type === 'result') p.resolve({ instances: msg.instances, inferMs: msg.inferMs, prePostMs: msg.preMs + msg.postMs });
    else p.reject(new Error(msg.message));
  }

  private fail(err: Error): void {
    if (!this.dead) this.dead = err;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }
}
