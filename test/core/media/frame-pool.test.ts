import { describe, expect, it } from 'vitest';
import { FramePool } from '../../../src/core/media/frame-pool.js';

describe('FramePool', () => {
  it('hands back given buffers instead of allocating, and only buffers of the asked size', () => {
    const pool = new FramePool(2);
    const a = pool.take(12);
    const b = pool.take(12);
    expect(pool.allocated).toBe(2);
    expect(a.buffer).not.toBe(b.buffer);
    pool.give(a);
    pool.give(a); // a double give must not hand the same buffer to two frames
    expect(pool.take(12)).toBe(a);
    expect(pool.take(12)).not.toBe(a);
    expect(pool.allocated).toBe(3);
    pool.give(b);
    const c = pool.take(30); // the frame size changed
    expect(c.length).toBe(30);
    expect(c).not.toBe(b);
    expect(pool.allocated).toBe(4);
  });

  it('keeps at most `max` buffers, each with its own SharedArrayBuffer', () => {
    const pool = new FramePool(2);
    const bufs = [pool.take(8), pool.take(8), pool.take(8)];
    for (const b of bufs) pool.give(b);
    const again = [pool.take(8), pool.take(8), pool.take(8)];
    expect(again.filter((b) => bufs.includes(b))).toHaveLength(2);
    for (const b of again) expect(b.byteOffset === 0 && b.buffer.byteLength === 8 && b.buffer instanceof SharedArrayBuffer).toBe(true);
  });
});
