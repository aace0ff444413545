/**
 * Scripted detections for the tracker tests: objects with a box that moves linearly in time, a
 * mask filling the box (or a given shape), and a score per moment; sampled at any frame rate.
 */
import type { BoxXYXY, Instance, Rle } from '../../../src/core/types.js';

export const W = 640;
export const H = 360;

/** COCO RLE of the pixels covered by a box (column-major runs, first run zeros). */
export function rectRle(box: BoxXYXY, w = W, h = H): Rle {
  const x0 = Math.max(0, Math.floor(box[0])), x1 = Math.min(w, Math.ceil(box[2]));
  const y0 = Math.max(0, Math.floor(box[1])), y1 = Math.min(h, Math.ceil(box[3]));
  if (x0 >= x1 || y0 >= y1) return { size: [h, w], counts: [w * h] };
  const counts: number[] = [x0 * h + y0];
  for (let x = x0; x < x1; x++) {
    counts.push(y1 - y0);
    if (x < x1 - 1) counts.push(h - (y1 - y0));
  }
  counts.push((w - x1) * h + (h - y1));
  return { size: [h, w], counts };
}

export interface ScriptedObject {
  /** Ground-truth identity, for the assertions. */
  name: string;
  classId?: number;
  /** Box at t = 0 and velocity in px/s. */
  box: BoxXYXY;
  vx: number;
  vy: number;
  /** Score at time t (seconds), or null when not detected then. @defaultValue always 0.9 */
  score?: (t: number) => number | null;
}

export interface ScriptedDetection extends Instance {
  name: string;
}

export function boxAt(o: ScriptedObject, t: number): BoxXYXY {
  const [x1, y1, x2, y2] = o.box;
  return [x1 + o.vx * t, y1 + o.vy * t, x2 + o.vx * t, y2 + o.vy * t];
}

/** The detections of frame k at `fps`: object order rotates with k, as a detector's order would. */
export function detectionsAt(objects: readonly ScriptedObject[], fps: number, k: number): ScriptedDetection[] {
  const t = k / fps;
  const out: ScriptedDetection[] = [];
  for (const o of objects) {
    const s = o.score ? o.score(t) : 0.9;
    if (s === null) continue;
    const box = boxAt(o, t);
    out.push({ name: o.name, classId: o.classId ?? 0, label: `class${o.classId ?? 0}`, score: s, box, mask: rectRle(box) });
  }
  const r = out.length ? k % out.length : 0;
  return [...out.slice(r), ...out.slice(0, r)];
}

/** Per frame, object name -> track id (undefined when the detection got none). */
export type IdLog = Map<string, number | undefined>[];

/** Runs `update` over `seconds` of the scene at `fps`, logging the ids each object got. */
export function runScene(
  tracker: { update(i: Instance[], pts: number): Instance[] },
  objects: readonly ScriptedObject[],
  fps: number,
  seconds: number,
  fromFrame = 0,
): IdLog {
  const log: IdLog = [];
  const frames = Math.round(seconds * fps);
  for (let k = fromFrame; k < frames; k++) {
    const dets = detectionsAt(objects, fps, k);
    const res = tracker.update(dets, (k * 1000) / fps);
    const m = new Map<string, number | undefined>();
    res.forEach((r, i) => m.set(dets[i].name, r.trackId));
    log.push(m);
  }
  return log;
}

/** The distinct ids an object was given, in order of first use. */
export function idsOf(log: IdLog, name: string): number[] {
  const ids: number[] = [];
  for (const m of log) {
    const id = m.get(name);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
