import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelFormat } from '../core/adapters/model-adapter.js';
import type { Instance } from '../core/types.js';
import type { FromThread, InferenceThreadConfig, ToThread } from './inference-protocol.js';

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
 * Main-thread handle on one inference thread (one model session per process). Calls queue up in
 * the thread; each resolves with its frame's instances.
 */
export class InferenceEngine {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (o: InferenceOutput) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  private constructor(private readonly thread: Worker, readonly info: EngineInfo) {
    thread.on('message', (msg: FromThread) => this.onMessage(msg));
    thread.on('error', (err) => this.fail(new Error(`inference thread crashed: ${err.message}`)));
    thread.on('exit', (code) => this.fail(new Error(`inference thread exited (code ${code})`)));
  }

  /** Starts the thread and loads the model; rejects with the model's one-line error. */
  static start(config: InferenceThreadConfig): Promise<InferenceEngine> {
    const thread = new Worker(threadEntry(), { workerData: config });
    return new Promise((resolve, reject) => {
      const onMessage = (msg: FromThread): void => {
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

  /** Runs the model on one RGB24 frame. The pixels are copied to the thread; the caller keeps them. */
  infer(rgb: Uint8Array, width: number, height: number): Promise<InferenceOutput> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToThread = { type: 'infer', id, rgb, width, height };
      this.thread.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    this.dead ??= new Error('inference engine closed');
    await this.thread.terminate();
  }

  private onMessage(msg: FromThread): void {
    if (msg.type !== 'result' && msg.type !== 'error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'result') p.resolve({ instances: msg.instances, inferMs: msg.inferMs, prePostMs: msg.preMs + msg.postMs });
    else p.reject(new Error(msg.message));
  }

  private fail(err: Error): void {
    if (!this.dead) this.dead = err;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }
}

/**
 * The thread's script. Running from compiled JS it sits beside this file; under vitest (TS
 * sources) point at the compiled copy in dist/, since a worker thread cannot load .ts itself.
 */
function threadEntry(): URL {
  const here = new URL('./inference-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const compiled = new URL(here.href.replace('/src/worker/', '/dist/src/worker/'));
  if (existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error(`inference thread script not found (${fileURLToPath(compiled)}): run 'npm run build' first`);
}
