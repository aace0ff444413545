import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { RedisKeys } from '../src/core/transport/redis-keys.js';
import { randomBytes } from 'node:crypto';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const sharedMedia = path.join(sharedDir, 'media');
/** The real clips the tests decode; tests on real footage are skipped unless all are there. */
export const sharedClips = ['people-walking.mp4', 'bottles.mp4', 'parking-lot.mp4'];
export const hasSharedMedia = sharedClips.every((name) => existsSync(path.join(sharedMedia, name)));
export const yoloModel = path.join(sharedDir, 'models', 'yolov8n-seg-int8.onnx');
export const hasYolo = existsSync(yoloModel);
export const bundledModel = path.join(repoRoot, 'models', 'segstream-maskrcnn-tiny.onnx');
export const fixtureModel = (name: string): string => path.join(repoRoot, 'test', 'fixtures', 'models', name);
export const cliPath = path.join(repoRoot, 'bin', 'segstream.js');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (!hasSharedMedia) {
  const missing = sharedClips.filter((name) => !existsSync(path.join(sharedMedia, name)));
  console.warn(`[segstream tests] ${sharedMedia} lacks ${missing.join(', ')}: tests on real footage are SKIPPED (they need ../shared beside the checkout)`);
}

/** A fresh folder under the OS temp dir; `file(name)` is a path in it. */
export function tempDir(tag: string): { dir: string; file(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `segstream-${tag}-`));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A key prefix of its own per test file, with a Cluster hash tag, removed afterwards. */
export function testPrefix(): string {
  return `{segstream-test-${randomBytes(4).toString('hex')}}`;
}

/** Deletes every key of deployment `prefix` (queue and streams: see RedisKeys.patterns). */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    const keys = (await Promise.all(new RedisKeys(prefix).patterns().map((p) => redis.keys(p)))).flat();
    // One DEL per key: on a Cluster node a multi-key DEL must not cross slots.
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.del(key);
    await pipeline.exec();
  } finally {
    redis.disconnect();
  }
}

export interface CliRun { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the built CLI (bin/segstream.js) and collects its output. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts.env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`segstream ${args.join(' ')} timed out\n${stderr}`)); }, opts.timeoutMs ?? 120_000);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

export function spawnCli(args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env: { ...process.env, SEGSTREAM_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${buf}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const m = buf.match(pattern);
      if (m) { clearTimeout(timer); child.stderr!.off('data', onData); resolve(m[0]); }
    };
    child.stderr!.on('data', onData);
  });
}

/**
 * A synthetic clip (shapes the bundled model knows, with ground truth in `<name>.json`) with a sine
 * audio track muxed in, so one clip exercises detections, timing and audio together.
 */
export async function makeSynthClipWithAudio(out: string, opts: { seed: number; frames: number; fps?: number }): Promise<void> {
  const { writeSynthClip } = await import('../src/synth/index.js');
  const { ffmpegPath } = await import('../src/core/media/ffmpeg-path.js');
  const { execFileSync } = await import('node:child_process');
  const silent = out.replace(/\.mp4$/, '.noaudio.mp4');
  await writeSynthClip(silent, { seed: opts.seed, frames: opts.frames, fps: opts.fps ?? 10 });
  execFileSync(ffmpegPath(), ['-v', 'error', '-i', silent, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-shortest', '-y', out]);
  const { renameSync } = await import('node:fs');
  renameSync(silent.replace(/\.mp4$/, '.json'), out.replace(/\.mp4$/, '.json'));
}

/** Resolves with how a child ended (at once when it already has). */
export function exited(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  return new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Even-odd fill of a polygon [x0,y0,x1,y1,...] over a w x h grid by pixel centres, as CVAT's and COCO's rasterisers sample. */
export function rasterisePolygon(xy: number[], w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const n = xy.length / 2;
  for (let y = 0; y < h; y++) {
    const cy = y + 0.5;
    for (let x = 0; x < w; x++) {
      const cx = x + 0.5;
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
        if ((yi > cy) !== (yj > cy) && cx < ((xj - xi) * (cy - yi)) / (yj - yi) + xi) inside = !inside;
      }
      out[y * w + x] = inside ? 1 : 0;
    }
  }
  return out;
}
