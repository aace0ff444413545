import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { probeVideo } from '../../src/core/media/test-clip.js';
import { RedisKeys } from '../../src/core/transport/redis-keys.js';
import { comparable, readJsonl, seqs } from './jsonl.js';
import { deleteKeys, hasSharedMedia, makeSynthClipWithAudio, REDIS_URL, runCli, sharedMedia, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const tmp = tempDir('dist');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
const clip = path.join(tmp.dir, 'clip.mp4');
let workers: ChildProcess[] = [];

/** Starts a `segstream work` process and waits until it listens for frames. */
async function startWorker(extra: string[] = []): Promise<ChildProcess> {
  const w = spawnCli(['work', '--score', '0.3', '--threads', '1', '--concurrency', '2', '--lock-ms', '3000', ...extra], env);
  workers.push(w);
  await waitForLine(w, /waiting for frames/);
  return w;
}

async function stopWorkers(): Promise<void> {
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    if (w.exitCode !== null || w.signalCode !== null) return resolve();
    w.once('exit', () => resolve());
    w.kill('SIGTERM');
  })));
  workers = [];
}

beforeAll(async () => {
  await makeSynthClipWithAudio(clip, { seed: 12, frames: 40 });
});
afterEach(stopWorkers);
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

describe('distributed: produce | work ×2 | compose as separate processes', () => {
  it('writes the same output as the single-process run, each seq exactly once', async () => {
    await startWorker();
    await startWorker();
    const out = path.join(tmp.dir, 'dist.mp4');
    const [p, c] = await Promise.all([
      runCli(['produce', clip, '--stream', 'gen'], { env }),
      runCli(['compose', '--stream', 'gen', '-o', out], { env }),
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    const src = await probeVideo(clip);
    const got = await probeVideo(out);
    expect(got.frames).toBe(src.frames);
    expect(Math.abs(got.durationMs - src.durationMs)).toBeLessThanOrEqual(1);
    expect(got.hasAudio).toBe(true);
    const lines = readJsonl(path.join(tmp.dir, 'dist.jsonl'));
    expect(seqs(lines)).toEqual([...Array(src.frames).keys()]);
    expect(lines.filter((l) => l.instances.length > 0).length).toBeGreaterThan(src.frames * 0.8);

    const single = path.join(tmp.dir, 'single.mp4');
    const r = await runCli(['run', clip, '-o', single, '--score', '0.3', '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(comparable(lines)).toEqual(comparable(readJsonl(path.join(tmp.dir, 'single.jsonl'))));
  });

  it('loses no frame when a worker is SIGKILLed in the middle of a job', async () => {
    const victim = await startWorker();
    await startWorker();
    const out = path.join(tmp.dir, 'killed.mp4');
    const produce = runCli(['produce', clip, '--stream', 'kill'], { env });
    const compose = runCli(['compose', '--stream', 'kill', '-o', out], { env });

    // Wait until the victim holds at least one job, then kill it without warning.
    const redis = new Redis(REDIS_URL);
    const queue = new Queue('frames', { connection: redis, prefix });
    let held: number[] = [];
    const deadline = Date.now() + 60_000;
    while (!held.length && Date.now() < deadline) {
      const active = await queue.getActive();
      held = active.filter((j) => j.processedBy?.endsWith(`:${victim.pid}`)).map((j) => j.data.seq as number);
      if (!held.length) await new Promise((r) => setTimeout(r, 20));
    }
    expect(held.length).toBeGreaterThan(0);
    victim.kill('SIGKILL');

    const [p, c] = await Promise.all([produce, compose]);
    await queue.close();
    redis.disconnect();
    expect(p.code, p.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    const src = await probeVideo(clip);
    const lines = readJsonl(path.join(tmp.dir, 'killed.jsonl'));
    expect(seqs(lines)).toEqual([...Array(src.frames).keys()]);
    for (const s of held) expect(lines[s].error, `seq ${s} held by the killed worker`).toBeUndefined();
    expect(lines.filter((l) => l.error)).toEqual([]);
    expect((await probeVideo(out)).frames).toBe(src.frames);
  });

  it('a bad frame fails its job with the reason; the rest of the stream goes on', async () => {
    const small = path.join(tmp.dir, 'small.mp4');
    await makeSynthClipWithAudio(small, { seed: 13, frames: 8 });
    const redis = new Redis(REDIS_URL);
    const out = path.join(tmp.dir, 'bad.mp4');
    // No worker yet: all 8 frames wait in Redis. Then one frame's pixels vanish (as if expired).
    const p = await runCli(['produce', small, '--stream', 'badframe'], { env });
    expect(p.code, p.stderr).toBe(0);
    expect(await redis.del(new RedisKeys(prefix).frame('badframe', 3))).toBe(1);
    redis.disconnect();
    await startWorker();
    const c = await runCli(['compose', '--stream', 'badframe', '-o', out], { env });
    expect(c.code, c.stderr).toBe(0);
    const lines = readJsonl(path.join(tmp.dir, 'bad.jsonl'));
    expect(seqs(lines)).toEqual([...Array(8).keys()]);
    expect(lines[3].error).toMatch(/pixels missing/);
    expect(lines.filter((l) => l.error)).toHaveLength(1);
    expect(c.stderr).toMatch(/1 frame\(s\) failed/);
    expect((await probeVideo(out)).frames).toBe(8); // the failed frame is kept (black), timing intact
  });

  it.skipIf(!hasSharedMedia)('runs a real clip with audio (parking-lot.mp4, 12.5 fps, AAC), first 50 frames', async () => {
    await startWorker();
    await startWorker();
    const out = path.join(tmp.dir, 'parking.mp4');
    const [p, c] = await Promise.all([
      runCli(['produce', path.join(sharedMedia, 'parking-lot.mp4'), '--stream', 'parking', '--max-frames', '50'], { env }),
      runCli(['compose', '--stream', 'parking', '-o', out], { env }),
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    const got = await probeVideo(out);
    expect(got.frames).toBe(50);
    expect(Math.abs(got.durationMs - 50 * 80)).toBeLessThanOrEqual(1);
    expect(got.hasAudio).toBe(true);
    expect(got.audioCodec).toBe('aac');
    expect(seqs(readJsonl(path.join(tmp.dir, 'parking.jsonl')))).toEqual([...Array(50).keys()]);
  });
});
