import { afterAll, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../src/core/transport/memory-transport.js';
import { RedisTransport } from '../../src/core/transport/redis-transport.js';
import { DEFAULT_LIVE_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT, type Transport } from '../../src/core/transport/transport.js';
import type { Frame, StreamInfo } from '../../src/core/types.js';
import { yuv420Size } from '../../src/core/yuv420.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../helpers.js';

const W = 16;
const H = 16;
const prefix = testPrefix();
afterAll(() => deleteKeys(prefix));

const info = (streamId: string, live: boolean): StreamInfo => ({ streamId, source: live ? 'rtsp://cam/x' : 'clip.mp4', width: W, height: H, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live });
const frame = (streamId: string, seq: number): Frame => ({ streamId, seq, ptsMs: seq * 100, width: W, height: H, yuv: new Uint8Array(yuv420Size(W, H)) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many frames a producer gets out before it waits, with nothing composed. */
async function publishedBeforeWaiting(t: Transport, id: string, live: boolean): Promise<number> {
  await t.openStream(info(id, live));
  let published = 0;
  void (async () => {
    for (let s = 0; s < 40; s++) { await t.publishFrame(frame(id, s)); published = s + 1; }
  })().catch(() => undefined);
  await sleep(500);
  return published;
}

describe.each([
  ['memory', (max?: number) => Promise.resolve(new MemoryTransport({ maxInFlight: max }))],
  ['redis', (max?: number) => RedisTransport.connect({ url: REDIS_URL, prefix, maxInFlight: max })],
] as [string, (max?: number) => Promise<Transport>][])('%s transport: frames in flight by kind of source', (kind, make) => {
  it(`holds ${DEFAULT_LIVE_MAX_IN_FLIGHT} frames of a live stream and ${DEFAULT_MAX_IN_FLIGHT} of a file by default, and what --max-in-flight says for both`, async () => {
    const t = await make();
    const asked = await make(7);
    try {
      expect(await publishedBeforeWaiting(t, `live-${kind}`, true)).toBe(DEFAULT_LIVE_MAX_IN_FLIGHT);
      expect(await publishedBeforeWaiting(t, `file-${kind}`, false)).toBe(DEFAULT_MAX_IN_FLIGHT);
      expect(await publishedBeforeWaiting(asked, `live7-${kind}`, true)).toBe(7);
      expect(await publishedBeforeWaiting(asked, `file7-${kind}`, false)).toBe(7);
    } finally {
      for (const id of [`live-${kind}`, `file-${kind}`]) await t.dropStream(id);
      for (const id of [`live7-${kind}`, `file7-${kind}`]) await asked.dropStream(id);
      t.abandon();
      asked.abandon();
    }
  });
});
