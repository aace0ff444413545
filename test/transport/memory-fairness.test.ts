import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../src/core/transport/memory-transport.js';
import type { Frame, StreamInfo } from '../../src/core/types.js';
import { yuv420Size } from '../../src/core/yuv420.js';

const W = 8;
const H = 4;
const info = (streamId: string): StreamInfo => ({ streamId, source: 'test', width: W, height: H, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live: false });
const frame = (streamId: string, seq: number): Frame => ({ streamId, seq, ptsMs: seq * 100, width: W, height: H, yuv: new Uint8Array(yuv420Size(W, H)) });

describe('memory transport with many streams (run --config)', () => {
  it('hands jobs out round-robin over the streams, not first-come-first-served', async () => {
    const t = new MemoryTransport({ maxInFlight: 16 });
    await t.openStream(info('file'));
    await t.openStream(info('cam'));
    // A file fills its window before the camera's first frames arrive.
    for (let s = 0; s < 12; s++) await t.publishFrame(frame('file', s));
    for (let s = 0; s < 3; s++) await t.publishFrame(frame('cam', s));
    const order: string[] = [];
    let release!: () => void;
    const all = new Promise<void>((r) => { release = r; });
    const handle = await t.consume(async (job) => {
      order.push(`${job.streamId}:${job.seq}`);
      if (order.length === 15) release();
      return { ...job, instances: [] };
    }, { concurrency: 1 });
    await all;
    await handle.close();
    await t.close();
    // First-come-first-served would have put the camera's frames 13th to 15th.
    expect(order.slice(0, 6)).toEqual(['file:0', 'cam:0', 'file:1', 'cam:1', 'file:2', 'cam:2']);
    expect(order.slice(6)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11].map((s) => `file:${s}`));
  });

  it('a producer waiting for room in a stream that is dropped is told so instead of waiting for ever', async () => {
    const t = new MemoryTransport({ maxInFlight: 1 });
    await t.openStream(info('gone'));
    await t.publishFrame(frame('gone', 0));
    let settled = false;
    const second = t.publishFrame(frame('gone', 1)).finally(() => { settled = true; });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false); // back-pressure: it really waits
    await t.dropStream('gone');
    await expect(second).rejects.toThrow("stream 'gone' was dropped");
    await t.close();
  });
});
