import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StopRequest, STOPPED } from '../../src/core/stop-request.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Races `n` waits that each settle with a fresh object; returns weak refs to those objects. */
async function raceMany(n: number, race: (p: Promise<object>) => Promise<unknown>): Promise<WeakRef<object>[]> {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < n; i++) {
    const value = { pixels: new Uint8Array(1024) };
    refs.push(new WeakRef(value));
    await race(Promise.resolve(value));
  }
  return refs;
}

async function collected(refs: WeakRef<object>[]): Promise<number> {
  for (let i = 0; i < 3; i++) { await new Promise((r) => setImmediate(r)); gc(); }
  return refs.filter((r) => r.deref() === undefined).length;
}

describe('StopRequest', () => {
  it('keeps nothing a settled race returned alive while the stop is pending', async () => {
    const stop = new StopRequest();
    const refs = await raceMany(50, (p) => stop.race(p));
    expect(await collected(refs)).toBe(50);
  });

  it('(the leak it replaces) Promise.race against one pending promise keeps every settled value', async () => {
    const pending = new Promise<never>(() => undefined);
    const refs = await raceMany(50, (p) => Promise.race([p, pending]));
    expect(await collected(refs)).toBeLessThan(5);
  });

  it('settles pending races with STOPPED on request, and later ones at once', async () => {
    const stop = new StopRequest();
    const waiting = stop.race(new Promise<number>(() => undefined));
    stop.request();
    await expect(waiting).resolves.toBe(STOPPED);
    await expect(stop.race(Promise.resolve(1))).resolves.toBe(STOPPED);
    expect(stop.stopped).toBe(true);
  });

  it('passes the work through: its value, or its rejection', async () => {
    const stop = new StopRequest();
    await expect(stop.race(Promise.resolve(7))).resolves.toBe(7);
    await expect(stop.race(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
