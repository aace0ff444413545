import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CvatVideoWriter } from '../../../src/core/results/cvat-video-writer.js';
import type { CvatShapeKind } from '../../../src/core/results/cvat-tracks.js';
import { encodeRle } from '../../../src/core/rle.js';
import type { FrameResult, Instance } from '../../../src/core/types.js';
import { rasterisePolygon, repoRoot, tempDir } from '../../helpers.js';

const tmp = tempDir('cvat-shapes');
afterAll(() => tmp.cleanup());
const W = 120;
const H = 80;
const hasPython = existsSync('/usr/bin/python3');

/** A disc of radius r at (cx, cy), by pixel centres, with a square hole in the middle when asked. */
function disc(cx: number, cy: number, r: number, hole = 0): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
    if (dx * dx + dy * dy < r * r && !(Math.abs(dx) < hole && Math.abs(dy) < hole)) m[y * W + x] = 1;
  }
  return m;
}

const inst = (mask: Uint8Array, trackId: number | undefined, label = 'disc'): Instance => ({
  classId: 1, label, score: 0.9, box: [0, 0, 10, 10], mask: encodeRle(mask, W, H), ...(trackId !== undefined ? { trackId } : {}),
});
const frame = (seq: number, instances: Instance[]): FrameResult => ({ streamId: 's', seq, ptsMs: seq * 40, width: W, height: H, instances });

// Track 7 moves right in seqs 100-101, is gone in 102, back in 103; track 9 only in 101. The file
// starts at seq 100 (a segment's first frame): CVAT frames 0-3.
const masks = [disc(30, 40, 15, 4), disc(34, 40, 15, 4), disc(38, 40, 15, 4), disc(80, 30, 10)];
const frames = [
  frame(100, [inst(masks[0], 7), inst(disc(100, 60, 5), undefined)]),
  frame(101, [inst(masks[1], 7), inst(masks[3], 9, 'ring')]),
  frame(102, []),
  frame(103, [inst(masks[2], 7)]),
];

async function writeXml(shapes: CvatShapeKind): Promise<string> {
  const file = tmp.file(`${shapes}.xml`);
  const w = new CvatVideoWriter(file, { taskName: 'seg.mp4', shapes, firstSeq: 100 });
  for (const f of frames) await w.write(f);
  await w.finish();
  w.commit();
  return file;
}

interface Loaded { size: number; tracks: { label: string; shapes: { type: string; frame: number; outside: boolean; points: number[] }[] }[]; shapes: { label: string; type: string; frame: number; points: number[] }[] }
function loadLikeCvat(file: string): Loaded {
  return JSON.parse(execFileSync('/usr/bin/python3', [path.join(repoRoot, 'test/fixtures/cvat/read_cvat_video.py'), file], { encoding: 'utf8' }));
}

/** cvat-core rle2Mask over the box [left..right] x [top..bottom], pasted into the frame. */
function rasteriseCvatMask(points: number[]): Uint8Array {
  const [left, top, right] = points.slice(-4);
  const width = right - left + 1;
  const out = new Uint8Array(W * H);
  let idx = 0, value = 0;
  for (const run of points.slice(0, -4)) {
    for (let k = 0; k < run; k++, idx++) out[(top + Math.floor(idx / width)) * W + left + (idx % width)] = value;
    value ^= 1;
  }
  return out;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0, u = 0;
  for (let k = 0; k < a.length; k++) { i += a[k] & b[k]; u += a[k] | b[k]; }
  return i / u;
}

describe.skipIf(!hasPython)('CVAT for video polygons and masks, read back by the rules of CVAT’s importer', () => {
  it('polygon (the default): one track per id, keyframes with outside on the frame after each stretch, outlines within IoU 0.9 of the masks', async () => {
    const file = await writeXml('polygon');
    const xml = readFileSync(file, 'utf8');
    expect(xml).toMatch(/<polygon frame="0" keyframe="1" outside="0" occluded="0" points="[\d.]+,[\d.]+(;[\d.]+,[\d.]+){2,}" z_order="0">/);
    const got = loadLikeCvat(file);
    expect(got.size).toBe(4);
    expect(got.shapes).toEqual([]);
    expect(got.tracks.map((t) => [t.label, t.shapes.map((s) => [s.type, s.frame, s.outside])])).toEqual([
      ['disc', [['polygon', 0, false], ['polygon', 1, false], ['polygon', 2, true], ['polygon', 3, false]]],
      ['ring', [['polygon', 1, false], ['polygon', 2, true]]],
    ]);
    const t7 = got.tracks[0].shapes;
    // Holes are dropped: the outline is the filled disc.
    for (const [k, cx] of [[0, 30], [1, 34], [3, 38]] as const) expect(iou(rasterisePolygon(t7[k].points, W, H), disc(cx, 40, 15))).toBeGreaterThanOrEqual(0.9);
    expect(t7[2].points).toEqual(t7[1].points); // the outside shape repeats the last one
    expect(iou(rasterisePolygon(got.tracks[1].shapes[0].points, W, H), masks[3])).toBeGreaterThanOrEqual(0.9);
  });

  it('mask: each mask a one-shape track as CVAT exports shapes, the pixels exact (holes kept), the tracker id on every one of its tracks', async () => {
    const file = await writeXml('mask');
    const xml = readFileSync(file, 'utf8');
    expect([...xml.matchAll(/<track id="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([7, 7, 7, 9]);
    expect(xml).toMatch(/<mask frame="3" keyframe="1" outside="0" occluded="0" rle="\d+(, \d+)*" left="\d+" top="\d+" width="\d+" height="\d+" z_order="0">/);
    // Frame 3 is the last: no outside copy after it.
    expect(xml).not.toMatch(/<mask frame="4"/);
    const got = loadLikeCvat(file);
    expect(got.tracks).toEqual([]);
    expect(got.shapes.map((s) => [s.label, s.type, s.frame])).toEqual([['disc', 'mask', 0], ['disc', 'mask', 1], ['disc', 'mask', 3], ['ring', 'mask', 1]]);
    const want = [masks[0], masks[1], masks[2], masks[3]];
    got.shapes.forEach((s, i) => expect(iou(rasteriseCvatMask(s.points), want[i])).toBe(1));
  });

  it('box: the boxes as before, in the same track layout', async () => {
    const got = loadLikeCvat(await writeXml('box'));
    expect(got.tracks.map((t) => t.shapes.map((s) => [s.type, s.frame, s.outside]))).toEqual([
      [['box', 0, false], ['box', 1, false], ['box', 2, true], ['box', 3, false]],
      [['box', 1, false], ['box', 2, true]],
    ]);
  });

  it('an instance with an empty mask gets its box as a 4-point polygon (a track keeps one shape kind)', async () => {
    const file = tmp.file('empty.xml');
    const w = new CvatVideoWriter(file, { taskName: 'x' });
    await w.write({ ...frame(0, []), instances: [{ ...inst(new Uint8Array(W * H), 1), box: [1, 2, 30, 40] }] });
    await w.finish();
    w.commit();
    expect(loadLikeCvat(file).tracks[0].shapes[0].points).toEqual([1, 2, 30, 2, 30, 40, 1, 40]);
  });
});
