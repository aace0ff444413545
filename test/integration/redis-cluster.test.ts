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
  return (slot) => ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2]![1];
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
  it('spreads the streams\' frame keys over the masters, each stream on one slot, and delivers every seq once', async () => {
    const nodes = cluster.nodeClients();
    const streams = await streamsOnEveryNode(nodes[0]!, nodes.length);
    // Half the roles get the seed list, half a plain redis:// URL of one node (found to be a Cluster node).
    const clusterEnv = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL: cluster.url };
    const nodeEnv = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL: `redis://127.0.0.1:${cluster.ports[1]}` };
    const envFor = (i: number) => (i % 2 ? nodeEnv : clusterEnv);

    // 1. No worker yet: every stream's frames wait in the cluster, where we can see them.
    const produced = await Promise.all(streams.map((s, i) => runCli(['produce', clip, '--stream', s.id, '--max-in-flight', String(FRAMES)], { env: envFor(i) })));
    for (const p of produced) expect(p.code, p.stderr).toBe(0);
    expect(produced[1]!.stderr).toMatch(/is a Cluster node: using it as a Redis Cluster/);

    const perNode = await Promise.all(nodes.map(async (n, i) => ({ port: cluster.ports[i]!, frameKeys: await n.keys(`{${keys.name}:s:*}:f:*`) })));
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

    // 2. Two workers and four compositors: every frame of every stream comes out once, in order.
    for (let i = 0; i < 2; i++) {
      const w = spawnCli(['work', '--score', '0.3', '--threads', '1', '--concurrency', '2'], envFor(i));
      workers.push(w);
      await waitForLine(w, /waiting for frames/);
    }
    const composed = await Promise.all(streams.map((s, i) => runCli(['compose', '--stream', s.id, '-o', path.join(tmp.dir, `${s.id}.mp4`)], { env: envFor(i + 1) })));
    for (const c of composed) expect(c.code, c.stderr).toBe(0);
    for (const s of streams) {
      const lines = readJsonl(path.join(tmp.dir, `${s.id}.jsonl`));
      expect(seqs(lines)).toEqual([...Array(FRAMES).keys()]);
      expect(lines.every((l) => l.streamId === s.id && !l.error)).toBe(true);
    }
    // Composed frames are freed on their own nodes; each stream leaves only its finished record.
    const left = (await Promise.all(nodes.map((n) => n.keys(`{${keys.name}:s:*`)))).flat().sort();
    expect(left).toEqual(streams.map((s) => keys.finished(s.id)).sort());
  });
});
