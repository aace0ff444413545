import { fillRect } from '../../../core/render/yuv-canvas.js';
import { drawText, measureText } from '../../../core/render/font.js';
import { autoTextScale } from '../../../core/render/label-annotator.js';
import { rgbToYuv, type Yuv, type Yuv420Image } from '../../../core/yuv420.js';
import type { FrameResult } from '../../../core/types.js';
import type { ResultStage } from '../result-stage.js';
import { regionPixels, type RegionSpec } from './region-spec.js';
import type { ZoneEvent } from './zone-event.js';

export interface ZoneStageOptions {
  regions: RegionSpec[];
  /**
   * How far (pixels) past a line or a zone's edge a track's anchor must go before it counts as on
   * the other side: a track jittering on the edge counts once.
   * @defaultValue 1% of the frame's diagonal, at least 2 px
   */
  marginPx?: number;
  /** @defaultValue Date.now — the wall clock written on events */
  now?: () => number;
}

interface Region {
  spec: RegionSpec;
  px: [number, number][];
  /** Per track: zone: 1 inside, -1 outside; line: the side (sign of the cross product). */
  state: Map<number, { side: number; seenPts: number }>;
  /** Zone: tracks inside now; line: crossings in and out so far. */
  inside: number;
  in: number;
  out: number;
}

export interface ZoneStageSnapshot {
  /** The frame size the regions were laid out for, `WxH` ('' before the first frame). */
  size: string;
  regions: { key: string; state: [trackId: number, side: number, seenPts: number][]; inside: number; in: number; out: number }[];
}

/** A region as defined: kind, name and points. */
function regionKey(r: RegionSpec): string {
  return JSON.stringify([r.kind, r.name, r.points]);
}

/** State of a track not seen for this long is dropped (its id will not come back). */
const FORGET_MS = 60_000;
const LINE_COLOR: Yuv = rgbToYuv([255, 64, 64]);
const ZONE_COLOR: Yuv = rgbToYuv([64, 200, 255]);
const TEXT_BG: Yuv = rgbToYuv([0, 0, 0]);
const TEXT_FG: Yuv = rgbToYuv([255, 255, 255]);

/**
 * Zones and lines after the tracker: per track, an event when its anchor (the box's bottom
 * centre, where an object touches the ground) enters or leaves a zone, or crosses a line (only
 * between the line's end points). A track first seen inside a zone enters it then; a track that
 * ends inside does not leave. Needs track ids: untracked instances are ignored.
 */
export class ZoneStage implements ResultStage {
  readonly name = 'zones';
  private regions: Region[] = [];
  private size = '';
  private pending: ZoneEvent[] = [];

  constructor(private readonly opts: ZoneStageOptions) {}

  process(result: FrameResult): FrameResult {
    this.layout(result.width, result.height);
    const margin = this.opts.marginPx ?? Math.max(2, 0.01 * Math.hypot(result.width, result.height));
    const wall = new Date((this.opts.now ?? Date.now)()).toISOString();
    for (const r of this.regions) {
      let inside = 0;
      for (const inst of result.instances) {
        if (inst.trackId === undefined) continue;
        const ax = (inst.box[0] + inst.box[2]) / 2, ay = inst.box[3];
        const s = r.state.get(inst.trackId) ?? { side: 0, seenPts: result.ptsMs };
        s.seenPts = result.ptsMs;
        r.state.set(inst.trackId, s);
        const emit = (event: ZoneEvent['event'], direction?: 'in' | 'out'): void => {
          this.pending.push({
            event, name: r.spec.name, ...(direction ? { direction } : {}), streamId: result.streamId, seq: result.seq,
            ptsMs: result.ptsMs, wallClock: wall, trackId: inst.trackId!, classId: inst.classId, label: inst.label,
          });
        };
        if (r.spec.kind === 'zone') {
          const pip = pointInPolygon(ax, ay, r.px) ? 1 : -1;
          if (s.side !== pip && distanceToPolygon(ax, ay, r.px) > margin) {
            if (pip === 1) emit('zone-enter');
            else if (s.side === 1) emit('zone-leave');
            s.side = pip;
          }
          if (s.side === 1) inside++;
        } else {
          const [[x1, y1], [x2, y2]] = r.px;
          const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy);
          const d = (dx * (ay - y1) - dy * (ax - x1)) / len;
          const t = ((ax - x1) * dx + (ay - y1) * dy) / (len * len);
          const side = d > 0 ? 1 : -1;
          if (Math.abs(d) > margin && side !== s.side) {
            if (s.side !== 0 && t >= 0 && t <= 1) {
              emit('line-cross', side > 0 ? 'in' : 'out');
              if (side > 0) r.in++;
              else r.out++;
            }
            s.side = side;
          }
        }
      }
      r.inside = inside;
      for (const [id, s] of r.state) if (result.ptsMs - s.seenPts > FORGET_MS) r.state.delete(id);
    }
    return result;
  }

  /** The events of the frames processed since the last call, in order. */
  takeEvents(): ZoneEvent[] {
    const e = this.pending;
    this.pending = [];
    return e;
  }

  /** Zone outlines, lines, and a corner box with the live counts. */
  draw(frame: Yuv420Image): void {
    if (!this.regions.length) return;
    const thick = Math.max(2, Math.round(frame.height / 240));
    for (const r of this.regions) {
      const pts = r.px;
      const n = r.spec.kind === 'zone' ? pts.length : 1;
      for (let i = 0; i < n; i++) {
        const [ax, ay] = pts[i], [bx, by] = pts[(i + 1) % pts.length];
        drawSegment(frame, ax, ay, bx, by, thick, r.spec.kind === 'zone' ? ZONE_COLOR : LINE_COLOR);
      }
    }
    const scale = autoTextScale(frame.height);
    const lines = this.regions.map((r) => (r.spec.kind === 'zone' ? `${r.spec.name}: ${r.inside} inside` : `${r.spec.name}: in ${r.in} out ${r.out}`));
    const pad = 2 * scale;
    let y = pad;
    for (const text of lines) {
      const m = measureText(text, scale);
      fillRect(frame, 0, y - pad, m.width + 2 * pad, y + m.height + pad, TEXT_BG);
      drawText(frame, pad, y, text, TEXT_FG, scale);
      y += m.height + 2 * pad;
    }
  }

  /** Each region's per-track sides and counts: a restarted compositor neither re-enters nor recounts. */
  snapshot(): ZoneStageSnapshot {
    return {
      size: this.size,
      regions: this.regions.map((r) => ({ key: regionKey(r.spec), state: [...r.state].map(([id, s]) => [id, s.side, s.seenPts]), inside: r.inside, in: r.in, out: r.out })),
    };
  }

  /** Regions defined as before get their state back; new or changed ones start afresh. */
  restore(state: unknown): string {
    const snap = state as ZoneStageSnapshot;
    const [w, h] = snap.size.split('x').map(Number);
    if (!(w > 0 && h > 0)) return 'nothing yet';
    this.layout(w, h);
    let n = 0;
    for (const r of this.regions) {
      const saved = snap.regions.find((s) => s.key === regionKey(r.spec));
      if (!saved) continue;
      r.state = new Map(saved.state.map(([id, side, seenPts]) => [id, { side, seenPts }]));
      r.inside = saved.inside;
      r.in = saved.in;
      r.out = saved.out;
      n++;
    }
    return `${n} of ${this.regions.length} regions`;
  }

  reset(): void {
    this.regions = [];
    this.size = '';
    this.pending = [];
  }

  /** Resolves fractional coordinates once the frame size is known (and again if it changes). */
  private layout(width: number, height: number): void {
    const size = `${width}x${height}`;
    if (size === this.size) return;
    this.size = size;
    this.regions = this.opts.regions.map((spec) => ({ spec, px: regionPixels(spec, width, height), state: new Map(), inside: 0, in: 0, out: 0 }));
  }
}

/** Even-odd rule. */
export function pointInPolygon(x: number, y: number, poly: readonly [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Distance from (x, y) to the polygon's nearest edge. */
export function distanceToPolygon(x: number, y: number, poly: readonly [number, number][]): number {
  let best = Infinity;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [ax, ay] = poly[j], [bx, by] = poly[i];
    const dx = bx - ax, dy = by - ay;
    const l2 = dx * dx + dy * dy;
    const t = l2 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / l2)) : 0;
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return best;
}

/** A thick segment as squares stepped along it (no allocation). */
function drawSegment(frame: Yuv420Image, ax: number, ay: number, bx: number, by: number, thick: number, color: Yuv): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay)));
  const h = thick / 2;
  for (let k = 0; k <= steps; k++) {
    const x = ax + ((bx - ax) * k) / steps, y = ay + ((by - ay) * k) / steps;
    fillRect(frame, Math.round(x - h), Math.round(y - h), Math.round(x + h), Math.round(y + h), color);
  }
}
