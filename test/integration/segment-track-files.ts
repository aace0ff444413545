import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { repoRoot } from '../helpers.js';
import { readJsonl, type JsonlLine } from './jsonl.js';

type Tracked = JsonlLine['instances'][number] & { trackId?: number };

/**
 * Checks one segment's track files against its JSONL: MOT lines are its tracked instances with
 * frames counted from the segment's first (1-based), CVAT (read by CVAT's importer rules) has
 * the segment's frame count and shapes only inside it, events lie within its seqs. Returns the
 * JSONL's frames and the numbers of MOT lines and events.
 */
export function checkSegmentTrackFiles(video: string): { lines: JsonlLine[]; mot: number; events: number } {
  const base = video.replace(/\.mp4$/, '');
  const lines = readJsonl(`${base}.jsonl`);
  const first = lines[0].seq;
  const want = lines.flatMap((l) => (l.instances as Tracked[]).filter((i) => i.trackId !== undefined).map((i) => `${l.seq - first + 1},${i.trackId}`));
  const mot = readFileSync(`${base}.mot.txt`, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(',').slice(0, 2).join(','));
  expect(mot, video).toEqual(want);
  const cvat = JSON.parse(execFileSync('/usr/bin/python3', [path.join(repoRoot, 'test/fixtures/cvat/read_cvat_video.py'), `${base}.cvat.xml`], { encoding: 'utf8' })) as
    { size: number; tracks: { shapes: { type: string; frame: number }[] }[] };
  expect(cvat.size, video).toBe(lines.length);
  for (const t of cvat.tracks) for (const s of t.shapes) {
    expect(s.type).toBe('polygon');
    expect(s.frame).toBeGreaterThanOrEqual(0);
    expect(s.frame).toBeLessThan(lines.length);
  }
  const tracked = new Set(lines.flatMap((l) => (l.instances as Tracked[]).map((i) => i.trackId).filter((i) => i !== undefined)));
  expect(cvat.tracks.length, video).toBe(tracked.size);
  expect(existsSync(`${base}.events.jsonl`), video).toBe(true);
  const events = readFileSync(`${base}.events.jsonl`, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; trackId: number });
  for (const e of events) {
    expect(e.seq).toBeGreaterThanOrEqual(first);
    expect(e.seq).toBeLessThanOrEqual(lines.at(-1)!.seq);
  }
  return { lines, mot: mot.length, events: events.length };
}
