import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisKeys } from '../../src/core/transport/redis-keys.js';
import { StreamRegistry, type CompositorStatus, type ProducerStatus } from '../../src/core/transport/stream-registry.js';
import { WorkerRegistry, type WorkerStatus } from '../../src/core/transport/worker-registry.js';
import { Metrics } from '../../src/core/metrics/metrics.js';
import { RegistryReporter } from '../../src/core/metrics/registry-reporter.js';
import { Logger } from '../../src/core/log.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../helpers.js';

const prefix = testPrefix();
const keys = new RedisKeys(prefix);
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
afterAll(async () => { await deleteKeys(prefix); redis.disconnect(); });

const producer = (o: Partial<ProducerStatus>): ProducerStatus => ({
  state: 'live', source: 'rtsp://cam/1', live: true, width: 640, height: 480, fpsIn: 25, decoded: 100, dropped: 0, misTimed: 0,
  reconnects: 0, host: 'h', pid: 1, updatedAt: Date.now(), ...o,
});
const compositor = (o: Partial<CompositorStatus>): CompositorStatus => ({
  state: 'composing', written: 90, failed: 0, fpsOut: 24, latencyMs: 400, host: 'h', pid: 2, updatedAt: Date.now(), ...o,
});

describe('StreamRegistry (real Redis)', () => {
  it('lists every stream with both sides and a state derived from them', async () => {
    const reg = new StreamRegistry(redis, keys, { staleMs: 10_000 });
    const now = Date.now();
    await reg.reportProducer('live1', producer({}));
    await reg.reportCompositor('live1', compositor({}));
    await reg.reportProducer('lost', producer({ state: 'reconnecting' }));
    await reg.reportProducer('dead', producer({ updatedAt: now - 60_000 }));
    await reg.reportProducer('done', producer({ state: 'ended', updatedAt: now - 60_000 }));
    await reg.reportCompositor('done', compositor({ state: 'finished', written: 100 }));
    await reg.reportCompositor('early', compositor({ state: 'waiting', written: 0 }));
    const list = await reg.list(now);
    const byId = Object.fromEntries(list.map((s) => [s.streamId, s]));
    expect(Object.keys(byId).sort()).toEqual(['dead', 'done', 'early', 'live1', 'lost']);
    expect(byId.live1).toMatchObject({ state: 'live', producer: { decoded: 100, fpsIn: 25, source: 'rtsp://cam/1' }, compositor: { written: 90, latencyMs: 400 } });
    expect(byId.lost.state).toBe('reconnecting');
    expect(byId.dead.state).toBe('stale'); // its producer stopped reporting without ending the stream
    expect(byId.done.state).toBe('finished');
    expect(byId.early.state).toBe('waiting');
    // The status hash sits under the stream's own keys (RedisKeys), the index under the prefix.
    expect(await redis.exists(keys.status('live1'))).toBe(1);
    expect(await redis.pttl(keys.status('live1'))).toBeGreaterThan(6 * 24 * 3600_000);
    expect(await redis.zscore(keys.streamIndex(), 'live1')).not.toBeNull();
  });

  it('an expired status leaves the index on the next list; remove() forgets a stream', async () => {
    const reg = new StreamRegistry(redis, keys);
    await reg.reportProducer('gone', producer({}));
    await redis.del(keys.status('gone')); // as its TTL would
    expect((await reg.list()).map((s) => s.streamId)).not.toContain('gone');
    expect(await redis.zscore(keys.streamIndex(), 'gone')).toBeNull();
    await reg.reportProducer('dropme', producer({}));
    expect(await reg.get('dropme')).not.toBeNull();
    await reg.remove('dropme');
    expect(await reg.get('dropme')).toBeNull();
    expect(await redis.zscore(keys.streamIndex(), 'dropme')).toBeNull();
  });
});

describe('WorkerRegistry (real Redis)', () => {
  it('lists workers by host:pid and model, alive only while running and recent; forgets old ones', async () => {
    const reg = new WorkerRegistry(redis, keys, { staleMs: 10_000, forgetMs: 3600_000 });
    const now = Date.now();
    const w = (o: Partial<WorkerStatus>): WorkerStatus => ({
      id: 'gpu1:10', host: 'gpu1', pid: 10, model: 'yolov8n-seg', device: 'cuda', fps: 30, frames: 300, errors: 0, busy: 0.5,
      state: 'running', startedAt: new Date(now).toISOString(), lastSeen: now, ...o,
    });
    await reg.report(w({}));
    await reg.report(w({ id: 'cpu1:11', host: 'cpu1', pid: 11, device: 'cpu', lastSeen: now - 30_000 }));
    await reg.report(w({ id: 'cpu2:12', host: 'cpu2', pid: 12, state: 'stopped' }));
    await reg.report(w({ id: 'old:13', host: 'old', pid: 13, lastSeen: now - 2 * 3600_000 }));
    const list = await reg.list(now);
    expect(list.map((x) => [x.id, x.alive])).toEqual([['cpu1:11', false], ['cpu2:12', false], ['gpu1:10', true]]);
    expect(list[2]).toMatchObject({ model: 'yolov8n-seg', device: 'cuda', fps: 30 });
    expect(await redis.hexists(keys.workers(), 'old:13/yolov8n-seg')).toBe(0);
  });
});

describe('RegistryReporter (real Redis)', () => {
  it('publishes what the process\'s metrics know: producer and compositor sides, and its models', async () => {
    const p2 = testPrefix();
    const k = new RedisKeys(p2);
    const m = new Metrics({ role: 'run', processMetrics: false });
    const s = m.stream('cam9');
    s.opened({ streamId: 'cam9', source: 'in.mp4', width: 320, height: 240, fps: 10, durationMs: 1000, hasAudio: false, audioCodec: null, live: false });
    s.decoded(); s.decoded();
    s.composing('composing', undefined, '/out/cam9.mp4');
    s.written({ decodedAtMs: Date.now() - 100 });
    m.model('/m/segstream-maskrcnn-tiny.onnx', 'cpu').ran({ inferMs: 10, preMs: 1, postMs: 1 });
    // A compositor that was refused (the stream unknown or composed already) reports nothing.
    const refused = m.stream('refused');
    refused.composing('waiting');
    refused.composing('failed');
    const streams = new StreamRegistry(redis, k);
    const workers = new WorkerRegistry(redis, k);
    const reporter = new RegistryReporter(m, streams, workers, new Logger({ json: true }), { intervalMs: 100 });
    try {
      reporter.start();
      await reporter.report();
      const st = await streams.get('cam9');
      expect(st).toMatchObject({ state: 'live', producer: { decoded: 2, source: 'in.mp4', pid: process.pid }, compositor: { state: 'composing', written: 1, output: '/out/cam9.mp4' } });
      expect(st!.compositor!.latencyMs).toBeGreaterThanOrEqual(100);
      expect(await streams.get('refused')).toBeNull();
      const [w] = await workers.list();
      expect(w).toMatchObject({ id: expect.stringMatching(new RegExp(`:${process.pid}$`)), model: 'segstream-maskrcnn-tiny', device: 'cpu', frames: 1, alive: true });
      s.sourceEnded();
      s.composing('finished');
    } finally {
      await reporter.close();
    }
    expect((await streams.get('cam9'))!.state).toBe('finished');
    const [w] = await workers.list();
    expect(w).toMatchObject({ state: 'stopped', alive: false });
    await deleteKeys(p2);
  });
});
