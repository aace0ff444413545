import { describe, expect, it } from 'vitest';
import { buildResultChain } from '../../../src/compositor/stages/registry.js';
import type { FrameResult } from '../../../src/core/types.js';
import { detectionsAt, type ScriptedObject, W, H } from '../../core/tracking/scene.js';

const FPS = 10;
// A walks right across a line at x = 300 around t = 6 s; B is missed for 0.5 s (frames 28-32), within
// the tracker's 1 s lost buffer, so only a tracker that remembers B keeps its id; C starts at 3 s.
const objects: ScriptedObject[] = [
  { name: 'A', box: [20, 100, 80, 160], vx: 40, vy: 0 },
  { name: 'B', box: [400, 200, 460, 260], vx: -10, vy: 0, score: (t) => (t >= 2.8 && t < 3.3 ? null : 0.9) },
  { name: 'C', box: [100, 250, 150, 300], vx: 0, vy: 5, score: (t) => (t >= 3 ? 0.8 : null) },
];
const frame = (k: number): FrameResult => ({ streamId: 's', seq: k, ptsMs: (k * 1000) / FPS, width: W, height: H, instances: detectionsAt(objects, FPS, k) });
const regions = [{ kind: 'line' as const, name: 'gate', points: [[300, 0], [300, 360]] as [number, number][], fractional: false }];
const N = 100;

/** Per frame: the ids in output order, and the events. */
function run(chainFor: (k: number) => ReturnType<typeof buildResultChain>): { ids: (number | undefined)[][]; events: object[] } {
  const ids: (number | undefined)[][] = [];
  const events: object[] = [];
  for (let k = 0; k < N; k++) {
    const chain = chainFor(k);
    ids.push(chain.process(frame(k)).instances.map((i) => i.trackId));
    events.push(...chain.takeEvents().map((e) => ({ ...e, wallClock: '' })));
  }
  return { ids, events };
}

describe('result stages across a compositor restart', () => {
  it('a chain restored from the snapshot after frame K gives exactly what the uninterrupted chain gives', () => {
    const whole = buildResultChain({ regions });
    const straight = run(() => whole);
    expect(straight.events.length).toBeGreaterThan(0); // A crosses the line after the restart
    for (const K of [29, 45]) { // B missed at 29 (the tracker's lost buffer matters), A about to cross at 45
      let chain = buildResultChain({ regions });
      const ids: (number | undefined)[][] = [];
      const events: object[] = [];
      for (let k = 0; k < N; k++) {
        ids.push(chain.process(frame(k)).instances.map((i) => i.trackId));
        events.push(...chain.takeEvents().map((e) => ({ ...e, wallClock: '' })));
        if (k === K) {
          // The compositor acks frame K with this, dies, and a new one starts from it.
          const saved = chain.snapshotJson()!;
          chain = buildResultChain({ regions });
          expect(chain.restoreJson(saved)).toEqual([expect.stringMatching(/^tracker: \d+ tracks, next id \d+$/), 'zones: 1 of 1 regions']);
        }
      }
      expect({ ids, events }).toEqual(straight);
    }
  });

  it('a fresh chain (no snapshot) would reuse ids of other objects: what the snapshot prevents', () => {
    const whole = run(() => buildResultChainOnce());
    const K = 45;
    let chain = buildResultChain();
    const restarted = run((k) => { if (k === K + 1) chain = buildResultChain(); return chain; });
    const before = new Set(whole.ids.slice(0, K + 1).flat().filter((i) => i !== undefined));
    const after = restarted.ids.slice(K + 1).flat().filter((i) => i !== undefined);
    expect(after.some((id) => before.has(id))).toBe(true);
  });

  it('with other tracker options than the snapshot\'s, tracks start afresh but ids go on above every saved one', () => {
    const chain = buildResultChain();
    for (let k = 0; k <= 40; k++) chain.process(frame(k));
    const saved = chain.snapshotJson()!;
    const maxBefore = Math.max(...JSON.parse(saved).tracker.s.tracks.map((t: { id: number }) => t.id));
    const other = buildResultChain({ track: { byte: { highThreshold: 0.6 } } });
    expect(other.restoreJson(saved)[0]).toMatch(/other tracker options/);
    const ids = new Set<number>();
    for (let k = 41; k < N; k++) for (const i of other.process(frame(k)).instances) if (i.trackId !== undefined) ids.add(i.trackId);
    expect(ids.size).toBeGreaterThan(0);
    expect(Math.min(...ids)).toBeGreaterThan(maxBefore);
  });
});

let once: ReturnType<typeof buildResultChain> | null = null;
function buildResultChainOnce(): ReturnType<typeof buildResultChain> {
  once ??= buildResultChain();
  return once;
}
