/**
 * One load-generating thread of bench/redis-capacity.ts: frame cycles as the pipeline does them
 * (SET with a TTL by the producer, GET by the worker, GET by the compositor, DEL on ack), on as
 * many lanes at once as asked, for a fixed time. Posts {cycles, perStream} when done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { connectRedis } from '../src/core/transport/redis-connection.js';
import { RedisKeys } from '../src/core/transport/redis-keys.js';

export interface CapacityClientJob {
  url: string;
  prefix: string;
  streams: string[];
  frameBytes: number;
  lanes: number;
  warmupMs: number;
  durationMs: number;
  /** Distinguishes this thread's keys from the others'. */
  thread: number;
}

const job = workerData as CapacityClientJob;
const keys = new RedisKeys(job.prefix);
const redis = await connectRedis(job.url, { blocking: true });
const frame = Buffer.alloc(job.frameBytes, 0x80);
const perStream = new Map<string, number>();
let cycles = 0;
let measuring = false;
let seq = 0;
const t0 = performance.now();
const warmEnd = t0 + job.warmupMs;
const end = warmEnd + job.durationMs;

async function lane(): Promise<void> {
  while (performance.now() < end) {
    const s = seq++;
    const stream = job.streams[s % job.streams.length];
    const key = keys.frame(stream, job.thread * 1e9 + s);
    await redis.set(key, frame, 'PX', 60_000);
    const a = await redis.getBuffer(key);
    const b = await redis.getBuffer(key);
    await redis.del(key);
    if (a?.length !== job.frameBytes || b?.length !== job.frameBytes) throw new Error(`frame ${key} came back with ${a?.length}/${b?.length} bytes`);
    if (!measuring && performance.now() >= warmEnd) measuring = true;
    if (measuring && performance.now() < end) {
      cycles++;
      perStream.set(stream, (perStream.get(stream) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: job.lanes }, lane));
redis.disconnect();
parentPort!.postMessage({ cycles, perStream: Object.fromEntries(perStream) });
