import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { MemoryTransport } from '../../src/core/transport/memory-transport.js';
import { RedisTransport } from '../../src/core/transport/redis-transport.js';
import type { Transport } from '../../src/core/transport/transport.js';
import type { Frame, FrameResult, StreamEvent, StreamInfo } from '../../src/core/types.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../helpers.js';
import { yuv420Size } from '../../src/core/yuv420.js';
import { clusterUnavailable, startRedisCluster, type LocalRedisCluster } from '../redis-servers.js';

const W = 8;
const H = 4;

function info(streamId: string): StreamInfo {
  return { streamId, source: 'test', width: W, height: H, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live: false };
}

function frame(streamId: string, seq: number): Frame {
  const yuv = new Uint8Array(yuv420Size(W, H)).fill(seq % 256);
  return { streamId, seq, ptsMs: seq * 100, width: W, height: H, yuv };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes n frames, consumes them with `processor`, collects what the compositor side sees. */
async function roundTrip(t: Transport, streamId: string, n: number, processor: (seq: number, yuv: Uint8Array) => Promise<FrameResult>) {
  const handle = await t.consume(async (job, yuv) => processor(job.seq, yuv), { concurrency: 3 });
  const producing = (async () => {
    await t.openStream(info(streamId));
    for (let s = 0; s < n; s++) await t.publishFrame(frame(streamId, s));
    await t.endStream(streamId, { frames: n, firstPtsMs: 0, lastPtsMs: (n - 1) * 100 });
  })();
  const seen: { seq: number; first: number | null; error?: string; result: FrameResult }[] = [];
  expect((await t.lookupStream(streamId, 5000)).state).toBe('open');
  for await (const item of t.results(streamId)) {
    seen.push({ seq: item.result.seq, first: item.yuv ? item.yuv[0] : null, error: item.result.error, result: item.result });
    await t.ack(streamId, item.result.seq);
  }
  await producing;
  await handle.close();
  return seen;
}

const ok = (streamId: string, seq: number): FrameResult => ({ streamId, seq, ptsMs: seq * 100, width: W, height: H, instances: [] });

const prefix = testPrefix();
const makers: [string, () => Promise<Transport>][] = [
  ['memory', async () => new MemoryTransport({ maxInFlight: 4 })],
  ['redis', async () => RedisTransport.connect({ url: REDIS_URL, prefix, maxInFlight: 4, attempts: 2, stuckCheckMs: 500 })],
];

// The same contract on a real 3-master Redis Cluster started here, where redis-server can.
const noCluster = await clusterUnavailable();
let cluster: LocalRedisCluster | null = null;
if (noCluster) {
  console.warn(`[segstream tests] Redis Cluster contract run SKIPPED: ${noCluster}`);
} else {
  cluster = await startRedisCluster(3);
  const url = cluster.url;
  makers.push(['redis-cluster', async () => RedisTransport.connect({ url, prefix, maxInFlight: 4, attempts: 2, stuckCheckMs: 500 })]);
}

afterAll(async () => {
  await deleteKeys(prefix);
  await cluster?.stop();
});

describe.each(makers)('%s transport', (kind, make) => {
  it('delivers every seq exactly once, in order, with its own pixels, when workers finish out of order', async () => {
    const t = await make();
    try {
      const seen = await roundTrip(t, `order-${kind}`, 30, async (seq) => {
        await sleep(((seq * 7) % 5) * 4); // scrambles completion order
        return ok(`order-${kind}`, seq);
      });
      expect(seen.map((s) => s.seq)).toEqual([...Array(30).keys()]);
      expect(seen.map((s) => s.first)).toEqual([...Array(30).keys()]);
    } finally {
      await t.close();
    }
  });

  it('carries semantic maps (and instances beside them, panoptic) unchanged', async () => {
    const t = await make();
    const semantic = (seq: number) => [
      { classId: 0, label: 'background', pixels: W * H - 3, mask: { size: [H, W] as [number, number], counts: [seq % 4, 3, W * H - 3 - (seq % 4)] } },
      { classId: 2, label: 'box', pixels: 3, mask: { size: [H, W] as [number, number], counts: [0, seq % 4, 3] } },
    ];
    const instance = { classId: 1, label: 'disc', score: 0.9, box: [0, 0, 2, 2] as [number, number, number, number], mask: { size: [H, W] as [number, number], counts: [0, 2, 30] } };
    try {
      const seen = await roundTrip(t, `sem-${kind}`, 6, async (seq) => ({
        ...ok(`sem-${kind}`, seq),
        instances: seq % 2 ? [instance] : [],
        semantic: semantic(seq),
      }));
      expect(seen.map((s) => s.seq)).toEqual([...Array(6).keys()]);
      for (const s of seen) {
        expect(s.result.semantic).toEqual(semantic(s.seq));
        expect(s.result.instances).toEqual(s.seq % 2 ? [instance] : []);
      }
    } finally {
      await t.close();
    }
  });

  it('fails only the bad frame and carries the reason; the rest of the stream goes on', async () => {
    const t = await make();
    try {
      const seen = await roundTrip(t, `bad-${kind}`, 10, async (seq) => {
        if (seq === 3) throw new Error('corrupt frame 3');
        return ok(`bad-${kind}`, seq);
      });
      expect(seen.map((s) => s.seq)).toEqual([...Array(10).keys()]);
      expect(seen[3].error).toMatch(/corrupt frame 3/);
      expect(seen.filter((s) => s.error)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('releases each frame buffer exactly once, and only when it no longer needs the bytes', async () => {
    const t = await make();
    const id = `release-${kind}`;
    const released: number[] = [];
    const handle = await t.consume(async (job, yuv) => {
      // The worker must still see its frame's own pixels: none was handed back too early.
      expect(yuv[0]).toBe(job.seq);
      return ok(id, job.seq);
    });
    try {
      await t.openStream(info(id));
      const n = 6;
      const producing = (async () => {
        for (let s = 0; s < n; s++) await t.publishFrame({ ...frame(id, s), release: () => released.push(s) });
        await t.endStream(id, { frames: n, firstPtsMs: 0, lastPtsMs: (n - 1) * 100 });
      })();
      for await (const item of t.results(id)) {
        const seq = item.result.seq;
        expect(item.yuv![0]).toBe(seq);
        // Memory holds the producer's buffer until the ack; Redis copied it when it was published.
        if (kind === 'memory') expect(released).not.toContain(seq);
        else expect(released).toContain(seq);
        await t.ack(id, seq);
        expect(released).toContain(seq);
      }
      await producing;
      expect([...released].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    } finally {
      await handle.close();
      await t.dropStream(id);
      await t.close();
    }
  });

  it('leaves a finished record once a stream is composed; producing the id again clears it, drop removes it', async () => {
    const t = await make();
    const id = `finished-${kind}`;
    const record = { frames: 3, finishedAt: '2026-12-01T10:00:00.000Z', output: '/tmp/out.mp4' };
    try {
      expect(await t.lookupStream(id)).toEqual({ state: 'unknown' });
      await t.openStream(info(id));
      expect(await t.lookupStream(id)).toEqual({ state: 'open', info: info(id) });
      await t.finishStream(id, record);
      expect(await t.lookupStream(id)).toEqual({ state: 'finished', finished: record });
      expect(await t.streamEnd(id)).toBeNull();
      await t.openStream(info(id)); // a finished id may be produced again
      expect((await t.lookupStream(id)).state).toBe('open');
      await t.finishStream(id, record);
      await t.dropStream(id);
      expect(await t.lookupStream(id)).toEqual({ state: 'unknown' });
    } finally {
      await t.dropStream(id);
      await t.close();
    }
  });

  it('lookupStream waits up to its timeout for a producer, and finds a stream opened meanwhile', async () => {
    const t = await make();
    const id = `late-${kind}`;
    try {
      const t0 = Date.now();
      expect(await t.lookupStream(id, 400)).toEqual({ state: 'unknown' });
      const waited = Date.now() - t0;
      expect(waited).toBeGreaterThanOrEqual(390);
      expect(waited).toBeLessThan(5000);
      const lookup = t.lookupStream(id, 10_000);
      await sleep(300);
      await t.openStream(info(id));
      expect((await lookup).state).toBe('open');
    } finally {
      await t.dropStream(id);
      await t.close();
    }
  });

  it('a consumer counts its active frames; abandon() returns without them, and their results are not kept', async () => {
    const t = await make();
    const id = `abandon-${kind}`;
    let release!: () => void;
    const blocked = new Promise<void>((r) => { release = r; });
    const handle = await t.consume(async (job) => { await blocked; return ok(id, job.seq); }, { concurrency: 1 });
    try {
      await t.openStream(info(id));
      await t.publishFrame(frame(id, 0));
      const deadline = Date.now() + 10_000;
      while (handle.active === 0 && Date.now() < deadline) await sleep(20);
      expect(handle.active).toBe(1);
      handle.abandon(); // returns at once although the frame is still being processed
      release();
      const items = t.results(id)[Symbol.asyncIterator]();
      const first = await Promise.race([items.next(), sleep(1500).then(() => 'nothing')]);
      expect(first).toBe('nothing');
    } finally {
      await t.dropStream(id);
      await t.close();
    }
  });

  it('blocks the producer at maxInFlight frames until the compositor acks', async () => {
    const t = await make();
    const id = `bp-${kind}`;
    try {
      await t.openStream(info(id));
      let published = 0;
      const producing = (async () => {
        for (let s = 0; s < 10; s++) { await t.publishFrame(frame(id, s)); published = s + 1; }
      })();
      await sleep(400);
      expect(published).toBe(4); // maxInFlight
      await t.ack(id, 0);
      await t.ack(id, 1);
      await sleep(400);
      expect(published).toBe(6);
      for (let s = 2; s < 10; s++) await t.ack(id, s);
      await producing;
      expect(published).toBe(10);
    } finally {
      await t.dropStream(id);
      await t.close();
    }
  });
  it('counts composed frames: the seq a compositor that starts now resumes from', async () => {
    const t = await make();
    const id = `composed-${kind}`;
    try {
      await t.openStream(info(id));
      expect(await t.composedCount(id)).toBe(0);
      for (let s = 0; s < 3; s++) await t.publishFrame(frame(id, s));
      await t.ack(id, 0);
      await t.ack(id, 1);
      expect(await t.composedCount(id)).toBe(2);
    } finally {
      await t.dropStream(id);
      await t.close();
    }
  });

  it('stores the state an ack carries with the composed count, for the compositor that resumes; dropped with the stream', async () => {
    const t = await make();
    const id = `cstate-${kind}`;
    try {
      await t.openStream(info(id));
      expect(await t.composedState(id)).toBeNull();
      for (let s = 0; s < 3; s++) await t.publishFrame(frame(id, s));
      await t.ack(id, 0, '{"tracker":{"nextId":2}}');
      await t.ack(id, 1); // no state: the last one stays
      expect(await t.composedCount(id)).toBe(2);
      expect(await t.composedState(id)).toBe('{"tracker":{"nextId":2}}');
      await t.ack(id, 2, '{"tracker":{"nextId":5}}');
      expect(await t.composedState(id)).toBe('{"tracker":{"nextId":5}}');
      await t.dropStream(id);
      expect(await t.composedState(id)).toBeNull();
    } finally {
      await t.dropStream(id);
      await t.close();
    }
  });

  it('a producer heartbeat that lapses says the producer is gone; the stream is then resumable where it was', async () => {
    const t = await make();
    const id = `hb-${kind}`;
    try {
      await t.openStream(info(id));
      await t.heartbeat(id, 300);
      for (let s = 0; s < 3; s++) await t.publishFrame(frame(id, s));
      expect(await t.producerAlive(id)).toBe(true);
      // A live producer holds the stream: nobody else may continue it.
      await expect(t.resumeStream(info(id))).rejects.toThrow(/live producer/);
      await sleep(500);
      expect(await t.producerAlive(id)).toBe(false);
      const r = await t.resumeStream(info(id));
      expect(r).toMatchObject({ nextSeq: 3, firstPtsMs: 0, lastPtsMs: 200 });
      expect(Date.now() - r.lastWallMs!).toBeLessThan(5000);
      await t.endStream(id, { frames: 3, firstPtsMs: 0, lastPtsMs: 200 });
      await expect(t.resumeStream(info(id))).rejects.toThrow(/already ended/);
      await expect(t.resumeStream(info(`${id}-none`))).rejects.toThrow(/cannot be resumed/);
    } finally {
      await t.dropStream(id);
      await t.close();
    }
  });

  it('carries stream events in order; each is there before the frame it precedes is composed; dropStream removes them', async () => {
    const t = await make();
    const id = `events-${kind}`;
    const event = (kind: StreamEvent['kind'], atSeq: number): StreamEvent => ({
      streamId: id, kind, atSeq, ptsMs: atSeq * 100, wallClock: new Date(1_800_000_000_000 + atSeq).toISOString(),
      ...(kind === 'source-lost' ? { reason: 'the RTSP server closed the connection' } : { gapMs: 5000, attempts: 3 }),
    });
    const handle = await t.consume(async (job) => ok(job.streamId, job.seq)); // the queue may hold other tests' jobs
    try {
      await t.openStream(info(id));
      expect(await t.streamEvents(id)).toEqual([]);
      const published = [event('source-lost', 3), event('source-back', 3), event('source-lost', 6)];
      const producing = (async () => {
        for (let s = 0; s < 6; s++) {
          for (const e of published.filter((e) => e.atSeq === s)) await t.publishEvent(e);
          await t.publishFrame(frame(id, s));
        }
        await t.publishEvent(published[2]); // lost after the last frame: nothing follows it
        await t.endStream(id, { frames: 6, firstPtsMs: 0, lastPtsMs: 500, reconnects: 1 });
      })();
      const seenAt: number[] = [];
      for await (const item of t.results(id)) {
        const due = (await t.streamEvents(id)).filter((e) => e.atSeq <= item.result.seq);
        seenAt.push(due.length);
        await t.ack(id, item.result.seq);
      }
      await producing;
      expect(seenAt).toEqual([0, 0, 0, 2, 2, 2]);
      expect(await t.streamEvents(id)).toEqual(published);
      expect(await t.streamEvents(id, 1)).toEqual(published.slice(1));
      expect((await t.streamEnd(id))?.reconnects).toBe(1);
      await t.dropStream(id);
      if (t instanceof RedisTransport) expect(await t.client.exists(t.keys.events(id))).toBe(0);
    } finally {
      await handle.close();
      await t.close();
    }
  });
});

describe('redis transport specifics', () => {
  it('keeps frame bytes out of job data, under keys that expire', async () => {
    const t = await RedisTransport.connect({ url: REDIS_URL, prefix, frameTtlMs: 30_000 });
    const id = 'layout';
    const queue = new Queue('frames', { connection: t.client.duplicate(), prefix });
    try {
      await t.openStream({ ...info(id), width: 320, height: 240 });
      const f = { streamId: id, seq: 0, ptsMs: 0, width: 320, height: 240, yuv: new Uint8Array(yuv420Size(320, 240)).fill(7) };
      await t.publishFrame(f);
      const job = await queue.getJob(t.keys.jobId(id, 0));
      expect(job).toBeTruthy();
      expect(Object.keys(job!.data).sort()).toEqual(['height', 'ptsMs', 'seq', 'streamId', 'width']);
      expect(JSON.stringify(job!.data).length).toBeLessThan(200);
      const key = t.keys.frame(id, 0);
      expect((await t.client.getBuffer(key))!.length).toBe(yuv420Size(320, 240));
      const ttl = await t.client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
      await t.finishStream(id, { frames: 1, finishedAt: new Date().toISOString(), output: '/tmp/x.mp4' });
      expect(await t.client.exists(key, t.keys.meta(id))).toBe(0);
      const recordTtl = await t.client.pttl(t.keys.finished(id));
      expect(recordTtl).toBeGreaterThan(6 * 24 * 3600_000); // the finished record outlives the stream's keys
      expect(recordTtl).toBeLessThanOrEqual(7 * 24 * 3600_000);
      await t.dropStream(id);
      expect(await t.client.exists(t.keys.finished(id))).toBe(0);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await t.close();
    }
  });

  it('refuses a stream id that is already in use, and bad stream ids', async () => {
    const t = await RedisTransport.connect({ url: REDIS_URL, prefix });
    try {
      await t.openStream(info('dup'));
      await expect(t.openStream(info('dup'))).rejects.toThrow(/already exists/);
      await expect(t.openStream(info('bad id!'))).rejects.toThrow(/invalid stream id/);
    } finally {
      await t.dropStream('dup');
      await t.close();
    }
  });

  it('gives a one-line error when Redis is unreachable', async () => {
    await expect(RedisTransport.connect({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
