import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SegmentIndex } from '../../src/compositor/sinks/segment-index.js';
import { SegmentNamer } from '../../src/compositor/sinks/segment-namer.js';
import { applyRetention } from '../../src/compositor/sinks/segment-retention.js';
import { log } from '../../src/core/log.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir('retention');
afterAll(() => tmp.cleanup());

/** Three finished segments of 1000 bytes each, one hour apart, the last ending at `now`; plus one in progress. */
function recording(name: string, now: number) {
  const index = new SegmentIndex(tmp.dir, name);
  for (let i = 0; i < 3; i++) {
    const video = tmp.file(`${name}-${i}.mp4`);
    const results = tmp.file(`${name}-${i}.jsonl`);
    writeFileSync(video, Buffer.alloc(900));
    writeFileSync(results, Buffer.alloc(100));
    index.added({ index: i, video, results, firstSeq: i * 10, frames: 10, start: new Date(now - (3 - i) * 3600_000).toISOString(), durationMs: 3600_000, bytes: 1000 });
  }
  const current = tmp.file(`${name}-3.mp4`);
  writeFileSync(current, 'being written');
  index.setCurrent({ index: 3, video: current, results: current, raw: current, lines: current, firstSeq: 30, start: new Date(now).toISOString(), encoderPid: null });
  return { index, current };
}

describe('retention of finished segments', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('--keep-hours deletes the segments that ended longer ago, oldest first, never the one in progress', () => {
    const { index, current } = recording('age', now);
    // Segment 0 ended 2 h ago, 1 ended 1 h ago, 2 ends now.
    expect(applyRetention(index, { keepHours: 1.5 }, log, now)).toEqual([0]);
    expect(existsSync(tmp.file('age-0.mp4'))).toBe(false);
    expect(existsSync(tmp.file('age-0.jsonl'))).toBe(false);
    expect(existsSync(tmp.file('age-1.mp4'))).toBe(true);
    expect(index.segments().map((s) => s.index)).toEqual([1, 2]);
    expect(applyRetention(index, { keepHours: 0 }, log, now + 1)).toEqual([1, 2]);
    expect(existsSync(current)).toBe(true);
    // Numbers are never reused, deleted or not.
    expect(index.nextIndex()).toBe(4);
  });

  it('--keep-gb deletes the oldest while the finished segments together exceed it', () => {
    const { index, current } = recording('size', now);
    expect(applyRetention(index, { keepGb: 2100 / 1e9 }, log, now)).toEqual([0]);
    expect(applyRetention(index, { keepGb: 2100 / 1e9 }, log, now)).toEqual([]);
    expect(applyRetention(index, { keepGb: 500 / 1e9 }, log, now)).toEqual([1, 2]);
    expect(existsSync(current)).toBe(true);
  });
});

describe('segment names', () => {
  const start = Date.parse('2026-12-01T11:27:05.250Z');
  it('fills {stream}, {index} and {start}; a plain name is numbered beside itself; the index lives above the tokens', () => {
    const a = new SegmentNamer('rec/{stream}/{start}-{index}.mp4', 'cam1');
    expect(a.video(7, start)).toBe(path.resolve('rec/cam1/20261201T112705Z-00007.mp4'));
    expect(a.stateDir).toBe(path.resolve('rec'));
    const b = new SegmentNamer('/data/out.mp4', 'x');
    expect(b.video(0, start)).toBe('/data/out-00000.mp4');
    expect(b.video(12345, start)).toBe('/data/out-12345.mp4');
    expect(b.stateDir).toBe('/data');
  });
});
