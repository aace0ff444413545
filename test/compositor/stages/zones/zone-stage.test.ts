import { describe, expect, it } from 'vitest';
import { parseRegionSpec, regionPixels } from '../../../../src/compositor/stages/zones/region-spec.js';
import { ZoneStage, distanceToPolygon, pointInPolygon } from '../../../../src/compositor/stages/zones/zone-stage.js';
import type { ZoneEvent } from '../../../../src/compositor/stages/zones/zone-event.js';
import type { BoxXYXY, FrameResult, Instance } from '../../../../src/core/types.js';

const W = 400, H = 300;
/** A tracked 20x20 box whose bottom centre (the anchor) is at (x, y). */
const at = (trackId: number, x: number, y: number): Instance => ({
  classId: 1, label: 'person', score: 0.9, trackId,
  box: [x - 10, y - 20, x + 10, y] as BoxXYXY, mask: { size: [H, W], counts: [W * H] },
});
const frame = (seq: number, instances: Instance[]): FrameResult => ({ streamId: 's', seq, ptsMs: seq * 100, width: W, height: H, instances });

/** Runs anchor paths (one per track, a y per frame) through the stage; returns all events. */
function run(stage: ZoneStage, paths: Record<number, [number, number][]>): ZoneEvent[] {
  const n = Math.max(...Object.values(paths).map((p) => p.length));
  const events: ZoneEvent[] = [];
  for (let k = 0; k < n; k++) {
    const inst = Object.entries(paths).filter(([, p]) => k < p.length).map(([id, p]) => at(Number(id), p[k][0], p[k][1]));
    stage.process(frame(k, inst));
    events.push(...(stage.takeEvents() as ZoneEvent[]));
  }
  return events;
}

describe('region specs', () => {
  it('parses pixels and fractions, and refuses bad specs with the reason', () => {
    const l = parseRegionSpec('line', 'door:0,0.5,1,0.5');
    expect(l.fractional).toBe(true);
    expect(regionPixels(l, W, H)).toEqual([[0, 150], [400, 150]]);
    expect(parseRegionSpec('zone', 'z:10,10,100,10,100,100').fractional).toBe(false);
    expect(() => parseRegionSpec('line', 'door:0,0,1')).toThrow(/odd number/);
    expect(() => parseRegionSpec('line', 'door:0,0,1,1,2,2')).toThrow(/exactly 2 points/);
    expect(() => parseRegionSpec('zone', 'z:0,0,1,1')).toThrow(/at least 3/);
    expect(() => parseRegionSpec('line', '0,0,1,1')).toThrow(/NAME/);
    expect(() => parseRegionSpec('line', 'a b:0,0,1,1')).toThrow(/name/);
    expect(() => parseRegionSpec('line', 'd:0,x,1,1')).toThrow(/numbers/);
    expect(() => parseRegionSpec('line', 'd:5,5,5,5')).toThrow(/same/);
  });

  it('point in polygon and distance to its edge', () => {
    const sq: [number, number][] = [[0, 0], [10, 0], [10, 10], [0, 10]];
    expect(pointInPolygon(5, 5, sq)).toBe(true);
    expect(pointInPolygon(15, 5, sq)).toBe(false);
    expect(distanceToPolygon(5, 5, sq)).toBe(5);
    expect(distanceToPolygon(13, 14, sq)).toBe(5);
  });
});

describe('ZoneStage', () => {
  // A horizontal line y = 150 from x = 50 to 350 (drawn left to right: 'in' is downwards).
  const line = parseRegionSpec('line', 'door:50,150,350,150');

  it('counts each crossing once, with its direction, and a jitter on the line not at all', () => {
    const down = (x: number): [number, number][] => Array.from({ length: 20 }, (_, k) => [x, 100 + k * 5] as [number, number]); // 100 -> 195
    const up = (x: number): [number, number][] => down(x).reverse();
    // Track 1 crosses down, back up, and down again: 3 crossings. Track 2 jitters ±2 px around
    // the line (inside the 5 px hysteresis) for 30 frames after coming from above: 0 crossings.
    // Track 3 crosses down beside the line's end (x = 380): not a crossing of the segment.
    const jitter: [number, number][] = [...Array.from({ length: 5 }, (_, k) => [200, 120 + k * 5] as [number, number]),
      ...Array.from({ length: 30 }, (_, k) => [200, 150 + (k % 2 ? 2 : -2)] as [number, number])];
    const events = run(new ZoneStage({ regions: [line] }), { 1: [...down(100), ...up(100), ...down(100)], 2: jitter, 3: down(380) });
    expect(events.map((e) => [e.event, e.name, e.direction, e.trackId])).toEqual([
      ['line-cross', 'door', 'in', 1], ['line-cross', 'door', 'out', 1], ['line-cross', 'door', 'in', 1],
    ]);
    // Each event says when and what: seq/pts of the frame it happened in, class, wall clock.
    // y = 160 at frame 12 is the first anchor more than the 5 px margin (1% of 500) below the line.
    expect(events[0]).toMatchObject({ streamId: 's', seq: 12, ptsMs: 1200, classId: 1, label: 'person' });
    expect(Number.isNaN(Date.parse(events[0].wallClock))).toBe(false);
  });

  it('a track jittering by more than the margin does cross every time it really changes side', () => {
    const wide: [number, number][] = [[200, 100], ...Array.from({ length: 6 }, (_, k) => [200, 150 + (k % 2 ? -10 : 10)] as [number, number])];
    const events = run(new ZoneStage({ regions: [line] }), { 7: wide });
    expect(events.map((e) => e.direction)).toEqual(['in', 'out', 'in', 'out', 'in', 'out']);
  });

  it('zones: enter and leave once each despite jitter on the edge; first seen inside enters', () => {
    const zone = parseRegionSpec('zone', 'room:0.25,0.25,0.75,0.25,0.75,0.75,0.25,0.75'); // 100..300 x 75..225
    const walk: [number, number][] = [
      ...Array.from({ length: 10 }, (_, k) => [50 + k * 10, 150] as [number, number]), // 50 -> 140: enters past x = 105
      ...Array.from({ length: 10 }, (_, k) => [300 + (k % 2 ? 3 : -3), 150] as [number, number]), // jitter on the right edge
      ...Array.from({ length: 5 }, (_, k) => [320 + k * 10, 150] as [number, number]), // leaves
    ];
    const events = run(new ZoneStage({ regions: [zone] }), { 1: walk, 2: [[200, 150], [201, 150]] });
    expect(events.map((e) => [e.event, e.trackId])).toEqual([['zone-enter', 2], ['zone-enter', 1], ['zone-leave', 1]]);
  });
});
