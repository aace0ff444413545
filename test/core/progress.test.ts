import { describe, expect, it } from 'vitest';
import { expectedFrames } from '../../src/core/progress.js';

describe('expectedFrames', () => {
  it('a file: duration × rate, rounded', () => {
    expect(expectedFrames({ durationMs: 4000, fps: 10 })).toBe(40);
    expect(expectedFrames({ durationMs: 10_010, fps: 29.97 })).toBe(300); // 299.9997
  });

  it('--max-frames caps it, and stands alone when the duration or rate is unknown', () => {
    expect(expectedFrames({ durationMs: 4000, fps: 10 }, { maxFrames: 15 })).toBe(15);
    expect(expectedFrames({ durationMs: 4000, fps: 10 }, { maxFrames: 100 })).toBe(40); // the file ends first
    expect(expectedFrames({ durationMs: null, fps: 25 }, { maxFrames: 50 })).toBe(50); // live
    expect(expectedFrames({ durationMs: 4000, fps: null }, { maxFrames: 50 })).toBe(50);
  });

  it('unknown without --max-frames: null (no total, no ETA)', () => {
    expect(expectedFrames({ durationMs: null, fps: 25 })).toBeNull();
    expect(expectedFrames({ durationMs: 4000, fps: null })).toBeNull();
    expect(expectedFrames({ durationMs: 0, fps: 25 })).toBeNull();
  });
});
