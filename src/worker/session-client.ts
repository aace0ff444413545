import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { TensorAllocator } from '../core/adapters/model-adapter.js';
import type { FromSession, SessionConfig, ToSession, WireTensor } from './inference-protocol.js';
import { threadEntry } from './thread-entry.js';

export type SessionReady = Extract<FromSession, { type: 'ready' }>;
export type SessionOutputs = { outputs: Record<string, ort.Tensor>; inferMs: number };

/** Input buffers kept for reuse, per byte length: a few frames' worth. */
const MAX_POOLED = 4;

/**
 * Handle on the session thread. `run` calls queue up there and run back to back; input tensors
 * travel there and back without copies, and `allocate` hands out the returned buffers again.
 */
export class SessionClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: SessionOutputs) => void; reject: (e: Error) => void }>();
  private readonly pool = new Map<number, ArrayBuffer[]>();
  private dead: Error | null = null;
  private allocatedCount = 0;

  private constructor(private readonly thread: Worker, readonly ready: SessionReady) {
    thread.on('message', (msg: FromSession) => this.onMessage(msg));
    thread.on('error', (err) => this.fail(new Error(`session thread crashed: ${err.message}`)));
    thread.on('exit', (code) => this.fail(new Error(`session thread exited (code ${code})`)));
  }

  /** Starts the thread and opens the model; rejects with the model's one-line error. */
  static start(config: SessionConfig): Promise<SessionClient> {
    const thread = new Worker(threadEntry('session-thread'), { workerData: config });
    return new Promise((resolve, reject) => {
      const onMessage = (msg: FromSession): void => {
        thread.off('message', onMessage);
        thread.off('error', onError);
        if (msg.type === 'ready') {
          resolve(new SessionClient(thread, msg));
          return;
        }
        void thread.terminate();
        reject(new Error(msg.type === 'init-error' ? msg.message : 'session thread: unexpected first message'));
      };
      const onError = (err: Error): void => reject(new Error(`session thread failed to start: ${err.message}`));
      thread.on('message', onMessage);
      thread.once('error', onError);
    });
  }

  /** A Float32Array of `length` for an input tensor: a recycled buffer when one fits. */
  readonly allocate: TensorAllocator = (length) => {
    const buf = this.pool.get(length * 4)?.pop();
    if (buf) return new Float32Array(buf);
    this.allocatedCount++;
    return new Float32Array(length);
  };

  /** Input buffers allocated so far (the rest were recycled). */
  get allocated(): number {
    return this.allocatedCount;
  }

  /** Runs the session; the feeds' buffers move to the session thread (do not touch them after). */
  run(feeds: Record<string, ort.Tensor>): Promise<SessionOutputs> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const wire: Record<string, WireTensor> = {};
    const transfer = new Set<ArrayBuffer>();
    for (const [name, t] of Object.entries(feeds)) {
      wire[name] = { type: t.type, data: t.data, dims: t.dims };
      const buf = (t.data as { buffer?: ArrayBufferLike }).buffer;
      if (buf instanceof ArrayBuffer && buf.byteLength > 0) transfer.add(buf);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToSession = { type: 'run', id, feeds: wire };
      this.thread.postMessage(msg, [...transfer]);
    });
  }

  async close(): Promise<void> {
    this.dead ??= new Error('session closed');
    await this.thread.terminate();
  }

  private onMessage(msg: FromSession): void {
    if (msg.type !== 'result' && msg.type !== 'error') return;
    for (const b of msg.recycled) {
      const list = this.pool.get(b.byteLength) ?? [];
      if (list.length < MAX_POOLED) list.push(b);
      this.pool.set(b.byteLength, list);
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'error') {
      p.reject(new Error(msg.message));
      return;
    }
    const outputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(msg.outputs)) {
      outputs[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    }
    p.resolve({ outputs, inferMs: msg.inferMs });
  }

  private fail(err: Error): void {
    if (!this.dead) this.dead = err;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }
}
