/**
 * A batch whose compositor fails drops its stream (pipeline-session.ts); the producer of that
 * stream, waiting for back-pressure capacity that will never come, must give up, or the batch's
 * lane would hang. Real Redis, and the memory transport.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../src/core/transport/memory-transport.js';
import { RedisTransport } from '../../src/core/transport/redis-transport.js';
import type { Transport } from '../../src/core/transport/transport.js';
import type { StreamInfo } from '../../src/core/types.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../helpers.js';

const prefix = testPrefix();
afterAll(() => deleteKeys(prefix));

const info = (streamId: string): StreamInfo => ({ streamId, source: 'none', width: 4, height: 4, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live: false, startedAt: '2026-12-01T10:00:00.000Z' });
const frame = (streamId: string, seq: number) => ({ streamId, seq, ptsMs: seq * 100, width: 4, height: 4, yuv: new Uint8Array(24) });

describe.each([
  ['memory', async (): Promise<Transport> => new MemoryTransport({ maxInFlight: 1 })],
  ['redis', async (): Promise<Transport> => RedisTransport.connect({ url: REDIS_URL, prefix, maxInFlight: 1 })],
] as const)('%s transport', (_name, make) => {
  it('a producer waiting for capacity gives up when its stream is dropped', async () => {
    const t = await make();
    try {
      await t.openStream(info('drop-me'));
      await t.publishFrame(frame('drop-me', 0));
      let settled = false;
      const blocked = t.publishFrame(frame('drop-me', 1)).finally(() => { settled = true; });
      blocked.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(settled, 'the second frame waits: one frame in flight at most').toBe(false);
      await t.dropStream('drop-me');
      await expect(blocked).rejects.toThrow(/drop-me/);
    } finally {
      await t.close();
    }
  });
});
