import { describe, expect, it } from 'vitest';
import { FrameBuffer } from '../../../src/core/media/frame-buffer.js';
import { FramePool } from '../../../src/core/media/frame-pool.js';

const frame = (ptsMs: number) => ({ yuv: Buffer.alloc(6), ptsMs, arrivedAtMs: Date.now() });

describe('FrameBuffer', () => {
  it('holds every frame by default (back-pressure is the decoder\'s)', () => {
    const b = new FrameBuffer({ capacity: 2 });
    for (let i = 0; i < 5; i++) b.push(frame(i));
    expect(b.length).toBe(5);
    expect(b.dropped).toBe(0);
    expect(b.shift()!.ptsMs).toBe(0);
  });

  it('dropOldest: keeps the newest `capacity` frames, counts the rest, gives their buffers back', () => {
    const pool = new FramePool();
    const b = new FrameBuffer({ capacity: 2, dropOldest: true, pool });
    const frames = [0, 1, 2, 3, 4].map(frame);
    for (const f of frames) b.push(f);
    expect(b.length).toBe(2);
    expect(b.dropped).toBe(3);
    expect([b.shift()!.ptsMs, b.shift()!.ptsMs]).toEqual([3, 4]);
    expect(b.shift()).toBeUndefined();
    // the dropped buffers are the ones the pool hands out again
    const again = [pool.take(6), pool.take(6), pool.take(6)];
    expect(new Set(again)).toEqual(new Set(frames.slice(0, 3).map((f) => f.yuv)));
  });

  it('dropOldest without a pool still drops', () => {
    const b = new FrameBuffer({ capacity: 1, dropOldest: true });
    b.push(frame(0));
    b.push(frame(1));
    expect([b.length, b.dropped, b.shift()!.ptsMs]).toEqual([1, 1, 1]);
  });

  it('clear() forgets the frames without counting them as dropped', () => {
    const b = new FrameBuffer({ capacity: 1, dropOldest: true });
    b.push(frame(0));
    b.clear();
    expect([b.length, b.dropped]).toEqual([0, 0]);
  });
});
