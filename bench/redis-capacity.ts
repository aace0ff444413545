/**
 * Redis capacity for frame bytes (`npm run bench -- --only redis-capacity`): 720p I420 frame
 * cycles (1 SET with TTL + 2 GETs + 1 DEL of 1.38 MB, what one frame costs Redis in the pipeline)
 * per second, on one redis-server and on a 3-master Redis Cluster, both started here on loopback
 * with the same flags, alternated A/B/A/B in one run. The cluster's cycles are counted per master
 * (by the slot of each stream's tag), so the table shows what each node carried.
 */
import { Worker } from 'node:worker_threads';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisKeys } from '../src/core/transport/redis-keys.js';
import { yuv420Size } from '../src/core/yuv420.js';
import { startRedisCluster, startRedisServer, clusterUnavailable } from '../test/redis-servers.js';
import type { CapacityClientJob } from './redis-capacity-client.js';

export interface RedisCapacityOptions {
  /** Load-generating threads. @defaultValue 2 */
  clients?: number;
  /** Requests in flight per thread. @defaultValue 8 */
  lanes?: number;
  /** Measured seconds per run. @defaultValue 6 */
  seconds?: number;
  /** A/B pairs. @defaultValue 2 */
  repeats?: number;
  /** Streams (hash tags) the frames are spread over. @defaultValue 12 */
  streams?: number;
}

const FRAME_BYTES = yuv420Size(1280, 720);

interface RunResult { fps: number; perStream: Record<string, number> }

async function load(url: string, prefix: string, streams: string[], o: Required<RedisCapacityOptions>): Promise<RunResult> {
  const durationMs = o.seconds * 1000;
  const results = await Promise.all(Array.from({ length: o.clients }, (_, thread) => new Promise<{ cycles: number; perStream: Record<string, number> }>((resolve, reject) => {
    const job: CapacityClientJob = { url, prefix, streams, frameBytes: FRAME_BYTES, lanes: o.lanes, warmupMs: 1000, durationMs, thread };
    const w = new Worker(new URL('./redis-capacity-client.js', import.meta.url), { workerData: job });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`capacity client exited ${code}`)); });
  })));
  const perStream: Record<string, number> = {};
  for (const r of results) for (const [s, n] of Object.entries(r.perStream)) perStream[s] = (perStream[s] ?? 0) + n / o.seconds;
  return { fps: results.reduce((sum, r) => sum + r.cycles, 0) / o.seconds, perStream };
}

/**
 * redis-benchmark's own SET and GET rates for 720p-sized values (a C client, so the Node client's
 * cost is out of the picture), or null when redis-benchmark is not installed.
 */
async function serverSide(port: number, cluster: boolean): Promise<{ set: number; get: number } | null> {
  try {
    const { stdout } = await promisify(execFile)('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), ...(cluster ? ['--cluster'] : []), '-t', 'set,get', '-d', String(FRAME_BYTES), '-n', '1500', '-c', '8', '-q'], { timeout: 120_000, maxBuffer: 1 << 24 });
    const rate = (op: string) => Number(new RegExp(`${op}: ([\\d.]+) requests per second`).exec(stdout)?.[1] ?? NaN);
    return { set: rate('SET'), get: rate('GET') };
  } catch {
    return null;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function benchRedisCapacity(options: RedisCapacityOptions = {}): Promise<void> {
  const o: Required<RedisCapacityOptions> = { clients: 2, lanes: 8, seconds: 6, repeats: 2, streams: 12, ...options };
  console.log(`\n# 5. Redis capacity for 720p frames (${(FRAME_BYTES / 1e6).toFixed(2)} MB I420; 1 frame = SET + 2 GET + DEL), ${o.clients} client threads × ${o.lanes} in flight, ${o.seconds} s per run`);
  const why = await clusterUnavailable();
  if (why) { console.log(`  SKIPPED: ${why}`); return; }
  const single = await startRedisServer();
  const cluster = await startRedisCluster(3);
  const prefix = '{segstream-bench}';
  const keys = new RedisKeys(prefix);
  const streams = Array.from({ length: o.streams }, (_, i) => `cam-${i}`);
  try {
    // Which master each stream's tag lands on.
    const probe = new Redis({ port: cluster.ports[0], host: '127.0.0.1' });
    const ranges = await probe.cluster('SLOTS');
    const home = new Map<string, number>();
    for (const s of streams) {
      const slot = (await probe.cluster('KEYSLOT', keys.frame(s, 0))) as number;
      home.set(s, ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1]);
    }
    probe.disconnect();
    const a: number[] = [];
    const b: RunResult[] = [];
    for (let r = 0; r < o.repeats; r++) {
      const one = await load(single.url, prefix, streams, o);
      a.push(one.fps);
      console.log(`  single redis-server #${r + 1}: ${one.fps.toFixed(0)} frames/s`);
      const many = await load(cluster.url, prefix, streams, o);
      b.push(many);
      const perNode = cluster.ports.map((p) => Object.entries(many.perStream).filter(([s]) => home.get(s) === p).reduce((sum, [, n]) => sum + n, 0));
      console.log(`  3-master cluster #${r + 1}:  ${many.fps.toFixed(0)} frames/s in all; per master ${perNode.map((n, i) => `${cluster.ports[i]}: ${n.toFixed(0)}`).join(', ')}`);
    }
    for (const [name, port, isCluster] of [['single redis-server', single.port, false], ['3-master cluster', cluster.ports[0], true]] as const) {
      const r = await serverSide(port, isCluster);
      if (!r) { console.log('  (redis-benchmark not installed: no server-side rates)'); break; }
      console.log(`  redis-benchmark, ${name}: ${r.set.toFixed(0)} SET/s, ${r.get.toFixed(0)} GET/s → ${(1 / (1 / r.set + 2 / r.get)).toFixed(0)} frames/s (SET + 2 GET)`);
    }
    const singleFps = median(a);
    const clusterFps = median(b.map((x) => x.fps));
    const streamsPerNode = cluster.ports.map((p) => streams.filter((s) => home.get(s) === p).length);
    console.log(`  median: single ${singleFps.toFixed(0)} frames/s (= ${(singleFps * FRAME_BYTES * 3 / 1e9).toFixed(2)} GB/s of frame bytes in+out), cluster ${clusterFps.toFixed(0)} frames/s; ratio cluster/single ${(clusterFps / singleFps).toFixed(2)}`);
    console.log(`  streams per master: ${streamsPerNode.join(' / ')} (of ${streams.length})`);
    console.log(`  (all servers and clients share this machine's ${(await import('node:os')).availableParallelism()} cores: the cluster's sum is bounded by the CPUs here, not by Redis)`);
    // Sized on the ioredis rate (the clients the pipeline uses), with half of it kept as headroom.
    for (const fps of [10, 30]) {
      const perNode = Math.floor(singleFps / fps);
      console.log(`  at ${fps} fps: one node carries ${perNode} cameras flat out; at 50% load ${Math.floor(perNode / 2)} cameras per node; N cameras need ceil(N × ${fps} / ${(singleFps / 2).toFixed(0)}) masters`);
    }
  } finally {
    await cluster.stop();
    await single.stop();
  }
}
