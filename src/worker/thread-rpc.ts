/**
 * What the two thread clients (InferenceEngine on the main thread, SessionClient on the inference
 * thread) share: starting a thread that answers 'ready' or 'init-error' first, and calls matched to
 * their replies by id.
 */
import { Worker } from 'node:worker_threads';
import { threadEntry } from './thread-entry.js';

type FirstMessage = { type: string; message?: string };

/**
 * Starts src/worker/`name`.js with `workerData` and waits for its first message: 'ready' resolves
 * with the thread and that message; 'init-error' (the model's one-line error) rejects.
 */
export function startThread<Ready extends FirstMessage>(name: string, workerData: unknown): Promise<{ thread: Worker; ready: Ready }> {
  const thread = new Worker(threadEntry(name), { workerData });
  return new Promise((resolve, reject) => {
    const onMessage = (msg: FirstMessage): void => {
      thread.off('message', onMessage);
      thread.off('error', onError);
      if (msg.type === 'ready') {
        resolve({ thread, ready: msg as Ready });
        return;
      }
      void thread.terminate();
      reject(new Error(msg.type === 'init-error' ? msg.message : `${name}: unexpected first message`));
    };
    const onError = (err: Error): void => reject(new Error(`${name} failed to start: ${err.message}`));
    thread.on('message', onMessage);
    thread.once('error', onError);
  });
}

/** Calls in flight to one thread, by id. Once the thread dies every call, open or later, rejects. */
export class PendingCalls<T> {
  private nextId = 1;
  private readonly open = new Map<number, { resolve: (v: T) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  /** Rejects the calls when `thread` crashes or exits. */
  constructor(thread: Worker, name: string) {
    thread.on('error', (err) => this.fail(new Error(`${name} crashed: ${err.message}`)));
    thread.on('exit', (code) => this.fail(new Error(`${name} exited (code ${code})`)));
  }

  /** Starts a call: `send` posts the request under the id it is given. */
  call(send: (id: number) => void): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.open.set(id, { resolve, reject });
      send(id);
    });
  }

  /** Settles call `id` (a reply to an unknown id is ignored). */
  settle(id: number, outcome: { value: T } | { error: Error }): void {
    const p = this.open.get(id);
    if (!p) return;
    this.open.delete(id);
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
  }

  /** Rejects every open call and all later ones with `err` (the first failure wins). */
  fail(err: Error): void {
    this.dead ??= err;
    for (const p of this.open.values()) p.reject(this.dead);
    this.open.clear();
  }
}
