import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { RedisTransport } from '../../src/core/transport/redis-transport.js';
import { writeSynthClip } from '../../src/synth/index.js';
import { yuv420Size } from '../../src/core/yuv420.js';
import { runCli, tempDir } from '../helpers.js';
import { startRedisServer, type RedisServer } from '../redis-servers.js';

// A redis-server of this test's own, with a password: the password travels in the URL.
const PASSWORD = 'p@ss/w0rd';
const encoded = encodeURIComponent(PASSWORD);
let server: RedisServer;
const tmp = tempDir('auth');

beforeAll(async () => {
  server = await startRedisServer(['--requirepass', PASSWORD], { password: PASSWORD });
});
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

const url = (auth: string) => `redis://${auth}127.0.0.1:${server.port}`;

describe('Redis auth by URL', () => {
  it('redis://:password@host:port carries a frame end to end', async () => {
    const t = await RedisTransport.connect({ url: url(`:${encoded}@`), maxInFlight: 4 });
    const id = 'auth-ok';
    const handle = await t.consume(async (job, yuv) => ({ ...job, instances: [], ptsMs: yuv[0] }));
    try {
      await t.openStream({ streamId: id, source: 'test', width: 8, height: 4, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live: false });
      await t.publishFrame({ streamId: id, seq: 0, ptsMs: 0, width: 8, height: 4, yuv: new Uint8Array(yuv420Size(8, 4)).fill(42) });
      await t.endStream(id, { frames: 1, firstPtsMs: 0, lastPtsMs: 0 });
      const seen: number[] = [];
      for await (const item of t.results(id)) { seen.push(item.result.ptsMs); await t.ack(id, item.result.seq); }
      expect(seen).toEqual([42]); // the worker read the frame's own bytes through the authenticated connection
    } finally {
      await handle.close();
      await t.dropStream(id);
      await t.close();
    }
  });

  it('a wrong or missing password is one clear line that does not show the password', async () => {
    const wrong = RedisTransport.connect({ url: url(':not-it@') });
    await expect(wrong).rejects.toThrow(new RegExp(`^cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}: WRONGPASS`));
    const missing = RedisTransport.connect({ url: url('') });
    await expect(missing).rejects.toThrow(/: NOAUTH Authentication required/);
    const err = await wrong.catch((e: Error) => e);
    expect((err as Error).message).not.toContain('not-it');
    expect((err as Error).message).not.toContain('\n');
  });

  it('the CLI exits non-zero with that line for a wrong password', async () => {
    const clip = path.join(tmp.dir, 'clip.mp4');
    await writeSynthClip(clip, { seed: 3, frames: 3, fps: 10 });
    const r = await runCli(['produce', clip, '--stream', 'auth-cli', '--redis', url(':not-it@')], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n').filter((l) => /WRONGPASS/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/);
    expect(r.stderr).not.toContain('not-it');
  });
});
