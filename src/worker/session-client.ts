import type { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { TensorAllocator } from '../core/adapters/model-adapter.js';
import type { FromSession, SessionConfig, ToSession, WireTensor } from './inference-protocol.js';
import { PendingCalls, startThread } from './thread-rpc.js';

export type SessionReady = Extract<FromSession, { type: 'ready' }>;
/** `semantic` (and `decodeMs`) instead of outputs when the session decodes the map (SessionConfig.decodeSemantic). */
export type SessionOutputs = {
  outputs: Record<string, ort.Tensor>;
  inferMs: number;
  semantic?: import('../core/types.js').SemanticRegion[];
  decodeMs?: number;
};

/** Input buffers kept for reuse, per byte length: a few frames' worth. */
const MAX_POOLED = 4;

/**
 * Handle on the session thread. `run` calls queue up there and run back to back; input tensors
 * travel there and back without copies, and `allocate` hands out the returned buffers again.
 */
export class SessionClient {
  private readonly calls: PendingCalls<SessionOutputs>;
  private readonly pool = new Map<number, ArrayBuffer[]>();
  private allocatedCount = 0;

  private constructor(private readonly thread: Worker, readonly ready: SessionReady) {
    this.calls = new PendingCalls(thread, 'session thread');
    thread.on('message', (msg: FromSession) => this.onMessage(msg));
  }

  /** Starts the thread and opens the model; rejects with the model's one-line error. */
  static async start(config: SessionConfig): Promise<SessionClient> {
    const { thread, ready } = await startThread<SessionReady>('session-thread', config);
    return new SessionClient(thread, ready);
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

  /**
   * Runs the session; the feeds' buffers move to the session thread (do not touch them after).
   * `frame`: the frame's size, which a decoding session needs.
   */
  run(feeds: Record<string, ort.Tensor>, frame?: { width: number; height: number }): Promise<SessionOutputs> {
    return this.calls.call((id) => {
      const wire: Record<string, WireTensor> = {};
      const transfer = new Set<ArrayBuffer>();
      for (const [name, t] of Object.entries(feeds)) {
        wire[name] = { type: t.type, data: t.data, dims: t.dims };
        const buf = (t.data as { buffer?: ArrayBufferLike }).buffer;
        if (buf instanceof ArrayBuffer && buf.byteLength > 0) transfer.add(buf);
      }
      const msg: ToSession = { type: 'run', id, feeds: wire, ...(frame ? { frame } : {}) };
      this.thread.postMessage(msg, [...transfer]);
    });
  }

  async close(): Promise<void> {
    this.calls.fail(new Error('session closed'));
    await this.thread.terminate();
  }

  private onMessage(msg: FromSession): void {
    if (msg.type !== 'result' && msg.type !== 'error') return;
    for (const b of msg.recycled) {
      const list = this.pool.get(b.byteLength) ?? [];
      if (list.length < MAX_POOLED) list.push(b);
      this.pool.set(b.byteLength, list);
    }
    if (msg.type === 'error') {
      this.calls.settle(msg.id, { error: new Error(msg.message) });
      return;
    }
    const outputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(msg.outputs)) {
      outputs[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    }
    const decoded = msg.semantic ? { semantic: msg.semantic, decodeMs: msg.decodeMs ?? 0 } : {};
    this.calls.settle(msg.id, { value: { outputs, inferMs: msg.inferMs, ...decoded } });
  }
}
