/**
 * What Redis persistence (AOF, appendfsync everysec) costs segstream's traffic: 720p I420
 * frames (1.38 MB) written with a TTL and deleted once composed, 16 in flight, as
 * publishFrame/ack do. Starts its own redis-server per mode on a free port in a temp dir and
 * prints frames/s, bytes appended to the AOF and the rewrites Redis ran, per mode, side by side.
 *
 *   npm run build && node dist/bench/redis-aof.js [--frames 1500] [--rewrite-min-size 64mb]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';

const { values } = parseArgs({ options: { frames: { type: 'string' }, 'rewrite-min-size': { type: 'string' } } });
const FRAMES = Number(values.frames ?? 1500);
const FRAME_BYTES = 1280 * 720 * 1.5;
const IN_FLIGHT = 16;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

async function start(args: string[]): Promise<{ redis: Redis; proc: ChildProcess; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstream-aof-'));
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction', ...args], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const r = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    if (await r.connect().then(() => true, () => false)) return { redis: r, proc, dir };
    r.disconnect();
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('redis-server did not start');
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += statSync(path.join(e.parentPath ?? dir, e.name)).size;
  return n;
}

async function run(label: string, args: string[]): Promise<void> {
  const { redis, proc, dir } = await start(args);
  const frame = Buffer.alloc(FRAME_BYTES, 7);
  const t0 = performance.now();
  for (let seq = 0; seq < FRAMES; seq++) {
    await redis.multi().set(`{b}:s:cam:f:${seq}`, frame, 'PX', 600_000).set('{b}:s:cam:published', String(seq + 1)).exec();
    if (seq >= IN_FLIGHT) await redis.multi().del(`{b}:s:cam:f:${seq - IN_FLIGHT}`).set('{b}:s:cam:composed', String(seq - IN_FLIGHT + 1)).exec();
  }
  const sec = (performance.now() - t0) / 1000;
  const info = await redis.info('persistence');
  const field = (k: string): string => new RegExp(`${k}:(\\S+)`).exec(info)?.[1] ?? '-';
  const disk = dirBytes(dir);
  console.log(`${label.padEnd(34)} ${(FRAMES / sec).toFixed(0).padStart(5)} frames/s   ${(FRAMES * FRAME_BYTES / sec / 1e6).toFixed(0).padStart(5)} MB/s   AOF rewrites ${field('aof_rewrites').padStart(3)}   on disk after: ${(disk / 1e6).toFixed(0)} MB`);
  redis.disconnect();
  proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

console.log(`${FRAMES} frames of 1280x720 I420 (${(FRAME_BYTES / 1e6).toFixed(2)} MB), ${IN_FLIGHT} in flight`);
const minSize = values['rewrite-min-size'];
const modes: [string, string[]][] = [
  ['no persistence', ['--appendonly', 'no']],
  ['AOF everysec', ['--appendonly', 'yes', '--appendfsync', 'everysec']],
  ...(minSize ? [[`AOF everysec, rewrite min ${minSize}`, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-min-size', minSize]] as [string, string[]]] : []),
];
// Alternated twice: the host's speed drifts within minutes.
for (let round = 0; round < 2; round++) for (const [label, args] of modes) await run(label, args);
