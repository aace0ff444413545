import { describe, expect, it } from 'vitest';
import { RawFrameReader } from '../../../src/core/media/raw-frame-reader.js';

describe('RawFrameReader', () => {
  it('cuts a byte stream into whole frames whatever the chunking, and holds bytes until the size is known', () => {
    const r = new RawFrameReader();
    const bytes = Buffer.from(Array.from({ length: 14 }, (_, i) => i));
    r.push(bytes.subarray(0, 5)); // before the header: held
    expect(r.holdingEarlyBytes).toBe(true);
    expect(r.frames).toHaveLength(0);
    r.setFrameSize(6);
    expect(r.holdingEarlyBytes).toBe(false);
    r.push(bytes.subarray(5, 7));
    r.push(bytes.subarray(7, 14));
    expect(r.frames.map((f) => [...f])).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]);
    expect(r.partialBytes).toBe(2);
    r.clear();
    expect([r.frames.length, r.partialBytes]).toEqual([0, 0]);
  });
});
