import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { RedisTransport } from '../../src/core/transport/redis-transport.js';
import { RedisKeys } from '../../src/core/transport/redis-keys.js';
import { writeSynthClip } from '../../src/synth/index.js';
import { yuv420Size } from '../../src/core/yuv420.js';
import { runCli, tempDir, testPrefix } from '../helpers.js';
import { makeTestCertificates, startRedisServer, startSentinel, type RedisServer, type TlsFiles } from '../redis-servers.js';

const tmp = tempDir('tls');
const prefix = testPrefix();
const keys = new RedisKeys(prefix);
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  tmp.cleanup();
});

// TLS: a redis-server of the test's own speaking TLS only, with a certificate from a throw-away CA.
const certs: TlsFiles | null = await makeTestCertificates(tmp.dir);
let tlsServer: RedisServer | null = null;
let noTls = certs ? null : 'openssl not found';
if (certs) {
  try {
    tlsServer = await startRedisServer([], { tls: certs });
    stops.push(tlsServer.stop);
  } catch (err) {
    noTls = `redis-server without TLS support (${(err as Error).message.split('\n')[0]})`;
  }
}
if (noTls) console.warn(`[segstream tests] Redis TLS test SKIPPED: ${noTls}`);

describe.skipIf(!!noTls)('rediss:// (TLS)', () => {
  it('produce through rediss:// stores its frames when the CA is trusted (NODE_EXTRA_CA_CERTS), and fails in one line when it is not', async () => {
    const clip = path.join(tmp.dir, 'clip.mp4');
    await writeSynthClip(clip, { seed: 5, frames: 3, fps: 10 });
    const url = `rediss://localhost:${tlsServer!.port}`;
    const env = { SEGSTREAM_REDIS_PREFIX: prefix };
    const ok = await runCli(['produce', clip, '--stream', 'tls', '--redis', url], { env: { ...env, NODE_EXTRA_CA_CERTS: certs!.ca }, timeoutMs: 60_000 });
    expect(ok.code, ok.stderr).toBe(0);
    const check = new Redis({ port: tlsServer!.port, host: '127.0.0.1', tls: { ca: readFileSync(certs!.ca), servername: 'localhost' } });
    try {
      expect(await check.get(keys.published('tls'))).toBe('3'); // the frames really went over TLS
      expect((await check.getBuffer(keys.frame('tls', 0)))?.length).toBeGreaterThan(0);
    } finally {
      check.disconnect();
    }
    const untrusted = await runCli(['produce', clip, '--stream', 'tls2', '--redis', url], { env, timeoutMs: 60_000 });
    expect(untrusted.code).not.toBe(0);
    const lines = untrusted.stderr.trim().split('\n').filter((l) => /cannot connect to Redis/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot connect to Redis at rediss:\/\/localhost:\d+: .*certificate/i);
  });
});

describe('redis+sentinel://', () => {
  it('finds the master through a Sentinel and carries a frame end to end', async () => {
    const master = await startRedisServer();
    stops.push(master.stop);
    const sentinel = await startSentinel(master.port, 'segmaster');
    stops.push(sentinel.stop);
    const t = await RedisTransport.connect({ url: `redis+sentinel://127.0.0.1:${sentinel.port}/segmaster`, prefix, maxInFlight: 4 });
    const direct = new Redis(master.url);
    const id = 'sentinel';
    const handle = await t.consume(async (job, yuv) => ({ ...job, instances: [], ptsMs: yuv[0] }));
    try {
      await t.openStream({ streamId: id, source: 'test', width: 8, height: 4, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live: false });
      await t.publishFrame({ streamId: id, seq: 0, ptsMs: 0, width: 8, height: 4, yuv: new Uint8Array(yuv420Size(8, 4)).fill(9) });
      expect(await direct.get(keys.published(id))).toBe('1'); // on the master the Sentinel named
      await t.endStream(id, { frames: 1, firstPtsMs: 0, lastPtsMs: 0 });
      const seen: number[] = [];
      for await (const item of t.results(id)) { seen.push(item.result.ptsMs); await t.ack(id, item.result.seq); }
      expect(seen).toEqual([9]);
    } finally {
      direct.disconnect();
      await handle.close();
      await t.close();
    }
    const unknown = RedisTransport.connect({ url: `redis+sentinel://127.0.0.1:${sentinel.port}/nosuchmaster` });
    await expect(unknown).rejects.toThrow(/^cannot connect to Redis at redis\+sentinel:\/\/127\.0\.0\.1:\d+\/nosuchmaster: [^\n]+$/);
  });

  it('refuses a Sentinel URL without a master name in one line', async () => {
    await expect(RedisTransport.connect({ url: 'redis+sentinel://127.0.0.1:26379' })).rejects.toThrow(/write redis\+sentinel:\/\/HOST:PORT.*\/MASTER_NAME/);
  });
});
