import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { PendingCalls } from '../../src/worker/thread-rpc.js';

/** A thread that echoes { id, n } back as { id, n: n * 2 } and exits on n < 0. */
function echoThread(): Worker {
  return new Worker(`
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (m) => { if (m.n < 0) process.exit(3); parentPort.postMessage({ id: m.id, n: m.n * 2 }); });`, { eval: true });
}

describe('PendingCalls', () => {
  it('matches replies to calls by id, in any order, and ignores unknown ids', async () => {
    const t = echoThread();
    const calls = new PendingCalls<number>(t, 'echo');
    t.on('message', (m: { id: number; n: number }) => calls.settle(m.id, { value: m.n }));
    calls.settle(999, { value: 1 });
    const got = await Promise.all([1, 2, 3].map((n) => calls.call((id) => t.postMessage({ id, n }))));
    expect(got).toEqual([2, 4, 6]);
    const failed = calls.call(() => undefined);
    calls.settle(4, { error: new Error('bad frame') });
    await expect(failed).rejects.toThrow('bad frame');
    await t.terminate();
  });

  it('rejects the open call and every later one when the thread exits', async () => {
    const t = echoThread();
    const calls = new PendingCalls<number>(t, 'echo');
    const open = calls.call((id) => t.postMessage({ id, n: -1 }));
    await expect(open).rejects.toThrow('echo exited (code 3)');
    await expect(calls.call(() => undefined)).rejects.toThrow('echo exited (code 3)');
  });
});
