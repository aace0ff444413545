import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { pipelineNiceness } from '../../src/core/priority.js';
import { spawnTracked } from '../../src/core/media/process.js';

describe('pipeline priority', () => {
  const saved = process.env.SEGSTREAM_NICE;
  afterEach(() => {
    if (saved === undefined) delete process.env.SEGSTREAM_NICE;
    else process.env.SEGSTREAM_NICE = saved;
  });

  it('takes the nice value from SEGSTREAM_NICE (default 10, 0 = off, junk = default)', () => {
    delete process.env.SEGSTREAM_NICE;
    expect(pipelineNiceness()).toBe(10);
    process.env.SEGSTREAM_NICE = '0';
    expect(pipelineNiceness()).toBe(0);
    process.env.SEGSTREAM_NICE = '3';
    expect(pipelineNiceness()).toBe(3);
    process.env.SEGSTREAM_NICE = 'high';
    expect(pipelineNiceness()).toBe(10);
  });

  it('runs spawned children at the nice value, never lowering a higher one', async () => {
    const base = os.getPriority();
    const { child, closed } = spawnTracked('sleep', ['5'], { stdio: 'ignore' }, 7);
    try {
      expect(os.getPriority(child.pid!)).toBe(Math.max(base, 7));
    } finally {
      child.kill('SIGKILL');
      await closed;
    }
    const plain = spawnTracked('sleep', ['5'], { stdio: 'ignore' });
    try {
      expect(os.getPriority(plain.child.pid!)).toBe(base);
    } finally {
      plain.child.kill('SIGKILL');
      await plain.closed;
    }
  });

  it.skipIf(process.platform !== 'linux')('renices only the calling thread: the process and its other threads keep theirs', async () => {
    const before = os.getPriority();
    // A worker renices itself and reports its own and the main thread's nice values.
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { readlinkSync } = require('node:fs');
      const os = require('node:os');
      import(${JSON.stringify(new URL('../../dist/src/core/priority.js', import.meta.url).href)}).then(({ reniceThisThread }) => {
        const ok = reniceThisThread(Math.max(os.getPriority(), 0) + 5);
        const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
        parentPort.postMessage({ ok, mine: os.getPriority(tid), main: os.getPriority(process.pid) });
      });`;
    const w = new Worker(code, { eval: true });
    const msg = await new Promise<{ ok: boolean; mine: number; main: number }>((res) => w.once('message', res));
    await w.terminate();
    expect(msg.ok).toBe(true);
    expect(msg.mine).toBe(Math.min(19, Math.max(before, 0) + 5));
    expect(msg.main).toBe(before);
    expect(os.getPriority()).toBe(before);
  });
});
