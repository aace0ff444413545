import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { writeSynthClip } from '../../src/synth/index.js';
import { deleteKeys, fixtureModel, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';
import { readJsonl } from '../integration/jsonl.js';

const tmp = tempDir('lock');
const prefix = testPrefix();
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

describe('inference runs off the event loop', () => {
  it('a model that takes ~3 s per frame never loses its 1 s BullMQ lock (no stalled job, no retry)', async () => {
    const clip = path.join(tmp.dir, 'clip.mp4');
    await writeSynthClip(clip, { seed: 5, frames: 3, fps: 10 });
    const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
    const events = new QueueEvents('frames', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    await events.waitUntilReady();
    let stalled = 0;
    let failed = 0;
    events.on('stalled', () => stalled++);
    events.on('failed', () => failed++);

    // slow-detector.onnx: ~3 s of MatMuls per frame (test/fixtures/models/make_slow_model.py).
    const worker = spawnCli(['work', '--model', fixtureModel('slow-detector.onnx'), '--lock-ms', '1000', '--concurrency', '1', '--threads', '1'], env);
    await waitForLine(worker, /waiting for frames/);
    const started = Date.now();
    const out = path.join(tmp.dir, 'out.mp4');
    const [p, c] = await Promise.all([
      runCli(['produce', clip, '--stream', 'slow'], { env }),
      runCli(['compose', '--stream', 'slow', '-o', out], { env }),
    ]);
    const elapsed = Date.now() - started;
    await new Promise((r) => { worker.once('exit', r); worker.kill('SIGTERM'); });
    await events.close();

    expect(p.code, p.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    expect(elapsed).toBeGreaterThan(3 * 2000); // each frame really held its job for seconds
    const lines = readJsonl(path.join(tmp.dir, 'out.jsonl'));
    expect(lines.map((l) => l.seq)).toEqual([0, 1, 2]);
    expect(lines.every((l) => !l.error && l.instances.length === 2)).toBe(true);
    expect(stalled).toBe(0);
    expect(failed).toBe(0);
  }, 120_000);

  // The worker inherits this process's nice value (base) and is asked for a higher one (target), so
  // the main thread (base) and the niced threads (target) can be told apart whatever base is.
  const base = os.getPriority();
  const target = Math.min(19, base + 10);
  const skip = process.platform !== 'linux' || target === base;
  it.skipIf(skip)(`a distributed worker renews its locks from a thread at normal priority while the work around the model runs niced${skip ? ' (SKIPPED: needs Linux and a nice value below 19)' : ''}`, async () => {
    const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL, SEGSTREAM_NICE: String(target) };
    const worker = spawnCli(['work', '--model', fixtureModel('slow-detector.onnx'), '--threads', '1'], env);
    try {
      await waitForLine(worker, /waiting for frames/);
      const pid = worker.pid!;
      // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value (after the ')' of comm).
      const nice = (tid: string): number => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
      const nices = readdirSync(`/proc/${pid}/task`).map(nice);
      expect(nice(String(pid))).toBe(base); // the main thread, which renews the locks, is not niced
      expect(nices.filter((n) => n === target).length).toBeGreaterThan(0); // the work around the model is
      expect(nices.every((n) => n === base || n === target)).toBe(true);
    } finally {
      await new Promise((r) => { worker.once('exit', r); worker.kill('SIGTERM'); });
    }
  }, 60_000);
});
