import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { RedisKeys } from '../../src/core/transport/redis-keys.js';
import { writeSynthClip } from '../../src/synth/index.js';
import { readJsonl, seqs } from './jsonl.js';
import { runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';
import { clusterUnavailable, startRedisCluster, type LocalRedisCluster } from '../redis-servers.js';

const noCluster = await clusterUnavailable();
if (noCluster) console.warn(`[segstream tests] Redis Cluster test SKIPPED: ${noCluster}`);

const FRAMES = 12;
const tmp = tempDir('cluster');
const prefix = testPrefix();
const keys = new RedisKeys(prefix);
const clip = path.join(tmp.dir, 'clip.mp4');
let cluster: LocalRedisCluster;
let workers: ChildProcess[] = [];

/** Which master (by port) serves `slot`, from CLUSTER SLOTS. */
async function slotOwners(node: Redis): Promise<(slot: number) => number> {
  const ranges = await node.cluster('SLOTS');
  return (slot) => ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1];
}

/**
 * Four stream ids whose keys hash onto every master: the test's prefix is random, so ids are
 * picked by their slot (with one shared tag, as before, they would all still land on one node).
 */
async function streamsOnEveryNode(node: Redis, masters: number): Promise<{ id: string; port: number }[]> {
  const owner = await slotOwners(node);
  const picked: { id: string; port: number }[] = [];
  for (let i = 0; picked.length < 4 && i < 1000; i++) {
    const id = `cam-${i}`;
    const port = owner((await node.cluster('KEYSLOT', keys.frame(id, 0))) as number);
    const covered = new Set(picked.map((p) => p.port));
    if (covered.size < masters ? !covered.has(port) : true) picked.push({ id, port });
  }
  return picked;
}

beforeAll(async () => {
  if (noCluster) return;
  cluster = await startRedisCluster(3);
  await writeSynthClip(clip, { seed: 21, frames: FRAMES, fps: 10 });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    if (w.exitCode !== null || w.signalCode !== null) return resolve();
    w.once('exit', () => resolve());
    w.kill('SIGTERM');
  })));
  await cluster?.stop();
  tmp.cleanup();
});

describe.skipIf(!!noCluster)('Redis Cluster (3 masters on loopback): produce ×4 | work ×2 | compose ×4', () => {
  it('spreads the streams\' frame keys over the masters, each stream on one slot, and delivers every seq once through both workers', async () => {
    const nodes = cluster.nodeClients();
    const streams = await streamsOnEveryNode(nodes[0], nodes.length);
    // Half the roles get the seed list, half a plain redis:// URL of one node (found to be a Cluster node).
    const clusterEnv = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL: cluster.url };
    const nodeEnv = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL: `redis://127.0.0.1:${cluster.ports[1]}` };
    const envFor = (i: number) => (i % 2 ? nodeEnv : clusterEnv);

    // 1. Two workers wait; four producers publish. Frames stay in the cluster until composed, so
    // after the producers are done every frame key is there to be counted.
    const workerLogs: string[] = [];
    const started = [0, 1].map((i) => {
      const w = spawnCli(['work', '--score', '0.3', '--threads', '1', '--concurrency', '2'], envFor(i));
      workers.push(w);
      workerLogs[i] = '';
      w.stderr!.on('data', (d) => { workerLogs[i] += d; });
      return waitForLine(w, /waiting for frames/);
    });
    await Promise.all(started);
    const produced = await Promise.all(streams.map((s, i) => runCli(['produce', clip, '--stream', s.id, '--max-in-flight', String(FRAMES)], { env: envFor(i) })));
    for (const p of produced) expect(p.code, p.stderr).toBe(0);
    expect(produced[1].stderr).toMatch(/is a Cluster node: using it as a Redis Cluster/);

    const perNode = await Promise.all(nodes.map(async (n, i) => ({ port: cluster.ports[i], frameKeys: await n.keys(`{${keys.name}:s:*}:f:*`) })));
    const distribution = Object.fromEntries(perNode.map((n) => [n.port, n.frameKeys.length]));
    console.log(`[cluster test] frame keys per master (port: keys) ${JSON.stringify(distribution)}; streams ${JSON.stringify(streams)}`);
    expect(perNode.reduce((sum, n) => sum + n.frameKeys.length, 0)).toBe(streams.length * FRAMES);
    expect(perNode.filter((n) => n.frameKeys.length > 0).length).toBeGreaterThan(1);
    for (const s of streams) {
      // Each stream sits whole on the master its tag hashes to: its MULTIs never cross slots.
      const home = perNode.find((n) => n.port === s.port)!;
      expect(home.frameKeys.filter((k) => k.startsWith(keys.streamTag(s.id))).length).toBe(FRAMES);
    }
    // BullMQ's queue is on its own tag: one node holds its keys, and no stream key is among them.
    const queueHolders = (await Promise.all(nodes.map((n) => n.keys(`${keys.prefix}:frames:*`)))).filter((k) => k.length > 0);
    expect(queueHolders).toHaveLength(1);

    // 2. Four compositors: every frame of every stream comes out once, in order.
    const composed = await Promise.all(streams.map((s, i) => runCli(['compose', '--stream', s.id, '-o', path.join(tmp.dir, `${s.id}.mp4`)], { env: envFor(i + 1) })));
    for (const c of composed) expect(c.code, c.stderr).toBe(0);
    for (const s of streams) {
      const lines = readJsonl(path.join(tmp.dir, `${s.id}.jsonl`));
      expect(seqs(lines)).toEqual([...Array(FRAMES).keys()]);
      expect(lines.every((l) => l.streamId === s.id && !l.error)).toBe(true);
    }
    // Composed frames are freed on their own nodes; each stream leaves only its finished record
    // and its entry in the stream registry with its last thumbnail (what a dashboard lists: stream-registry.ts).
    const left = (await Promise.all(nodes.map((n) => n.keys(`{${keys.name}:s:*`)))).flat().sort();
    expect(left).toEqual(streams.flatMap((s) => [keys.finished(s.id), keys.status(s.id), keys.thumbnail(s.id)]).sort());

    // Both workers took frames; together they inferred each frame once. Their last progress line
    // (written when they stop) has the count.
    const inferred = await Promise.all(workers.map((w, i) => new Promise<number>((resolve) => {
      w.once('exit', () => {
        const last = workerLogs[i].split('\n').filter((l) => l.includes('"msg":"progress"')).pop();
        resolve(last ? (JSON.parse(last) as { inferred: number }).inferred : 0);
      });
      w.kill('SIGTERM');
    })));
    console.log(`[cluster test] frames inferred per worker ${JSON.stringify(inferred)}`);
    expect(inferred.every((n) => n > 0)).toBe(true);
    expect(inferred[0] + inferred[1]).toBe(streams.length * FRAMES);
  });

  it('warns about every master whose maxmemory-policy would evict frames, naming it', async () => {
    const nodes = cluster.nodeClients();
    await nodes[2].config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const r = await runCli(['drop', '--stream', 'nothing-here'], { env: { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL: cluster.url } });
      expect(r.code, r.stderr).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('maxmemory-policy'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`'allkeys-lru' on 127.0.0.1:${cluster.ports[2]}`);
    } finally {
      await nodes[2].config('SET', 'maxmemory-policy', 'noeviction');
    }
  });
});
