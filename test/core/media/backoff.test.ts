import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/core/media/backoff.js';

describe('Backoff', () => {
  it('0.5 s doubling to 10 s, then 10 s for ever', () => {
    const b = new Backoff();
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('starts over after a connection that was good for a minute, not after a shorter one', () => {
    const b = new Backoff();
    for (let i = 0; i < 5; i++) b.next();
    b.connectionEnded(59_999);
    expect(b.next()).toBe(10_000);
    b.connectionEnded(60_000);
    expect([b.next(), b.next()]).toEqual([500, 1000]);
  });

  it('takes its limits from the options and refuses nonsense', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 300, resetAfterMs: 1000 });
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 300]);
    b.connectionEnded(1000);
    expect(b.next()).toBe(100);
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 500, maxMs: 100 })).toThrow(RangeError);
  });
});
