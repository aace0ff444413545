import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CvatVideoWriter } from '../../../src/core/results/cvat-video-writer.js';
import { MotWriter, toMotLines } from '../../../src/core/results/mot-writer.js';
import { toCocoDetection } from '../../../src/core/results/coco-writer.js';
import type { BoxXYXY, FrameResult, Instance } from '../../../src/core/types.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir('track-writers');
afterAll(() => tmp.cleanup());

const inst = (label: string, box: BoxXYXY, score: number, trackId?: number): Instance => ({
  classId: label === 'person' ? 1 : 3, label, score, box, mask: { size: [100, 200], counts: [20000] },
  ...(trackId !== undefined ? { trackId } : {}),
});
const frame = (seq: number, instances: Instance[], error?: string): FrameResult => ({
  streamId: 's', seq, ptsMs: seq * 40, width: 200, height: 100, instances, ...(error ? { error } : {}),
});

// Track 1 (person) in frames 0-1, gone in 2, back in 3; track 2 (car) in frame 1 only;
// an untracked detection in frame 0; frame 4 failed.
const frames = [
  frame(0, [inst('person', [10, 20, 30, 60], 0.91234, 1), inst('person', [100, 10, 120, 40], 0.8)]),
  frame(1, [inst('person', [12, 20, 32, 60], 0.9, 1), inst('car', [50.555, 5, 90, 25], 0.7, 2)]),
  frame(2, []),
  frame(3, [inst('person', [16, 21, 36, 61], 0.88, 1)]),
  frame(4, [], 'decode error'),
];

describe('MotWriter', () => {
  it('writes frame,id,left,top,w,h,conf,-1,-1,-1 with 1-based frames, tracked instances only', async () => {
    const file = tmp.file('a.txt');
    const w = new MotWriter(file);
    for (const f of frames) await w.write(f);
    await w.finish();
    expect(existsSync(file)).toBe(false); // not before commit
    w.commit();
    expect(readFileSync(file, 'utf8')).toBe(
      '1,1,10,20,20,40,0.9123,-1,-1,-1\n' +
        '2,1,12,20,20,40,0.9,-1,-1,-1\n' +
        '2,2,50.56,5,39.45,20,0.7,-1,-1,-1\n' +
        '4,1,16,21,20,40,0.88,-1,-1,-1\n',
    );
    expect(toMotLines(frames[2])).toBe('');
  });

  it('abort leaves an existing file as it was and no hidden file', async () => {
    const file = tmp.file('keep.txt');
    writeFileSync(file, 'old\n');
    const w = new MotWriter(file);
    await w.write(frames[0]);
    w.abort();
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(tmp.dir).filter((n) => n.includes('partial'))).toEqual([]);
  });
});

describe('CvatVideoWriter', () => {
  it('with shapes box, writes CVAT for video 1.1 tracks: a keyframe box per sighting, outside="1" the frame after each stretch', async () => {
    const file = tmp.file('a.xml');
    const w = new CvatVideoWriter(file, { taskName: 'clip & co.mp4', shapes: 'box' });
    for (const f of frames) await w.write(f);
    await w.finish();
    expect(existsSync(file)).toBe(false);
    w.commit();
    const xml = readFileSync(file, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>')).toBe(true);
    expect(xml).toContain('<name>clip &amp; co.mp4</name>');
    expect(xml).toContain('<size>5</size>');
    expect(xml).toContain('<mode>interpolation</mode>');
    expect(xml).toContain('<original_size>\n        <width>200</width>\n        <height>100</height>');
    expect([...xml.matchAll(/<label>\s*<name>([^<]+)<\/name>/g)].map((m) => m[1])).toEqual(['car', 'person']);
    const tracks = [...xml.matchAll(/<track id="(\d+)" label="([^"]+)" source="auto">([\s\S]*?)<\/track>/g)];
    expect(tracks.map((t) => [t[1], t[2]])).toEqual([['1', 'person'], ['2', 'car']]);
    const boxes = (body: string) =>
      [...body.matchAll(/<box frame="(\d+)" keyframe="(\d)" outside="(\d)" occluded="0" xtl="([\d.]+)" ytl="([\d.]+)" xbr="([\d.]+)" ybr="([\d.]+)" z_order="0">/g)]
        .map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), m[4], m[7]]);
    // Track 1: frames 0, 1; outside at 2; back at 3; outside at 4 (the failed last frame).
    expect(boxes(tracks[0][3])).toEqual([
      [0, 1, 0, '10.00', '60.00'], [1, 1, 0, '12.00', '60.00'], [2, 1, 1, '12.00', '60.00'],
      [3, 1, 0, '16.00', '61.00'], [4, 1, 1, '16.00', '61.00'],
    ]);
    // Track 2: frame 1, outside at 2.
    expect(boxes(tracks[1][3])).toEqual([[1, 1, 0, '50.56', '25.00'], [2, 1, 1, '50.56', '25.00']]);
    // The untracked detection is in no track.
    expect(xml).not.toContain('xtl="100.00"');
  });

  it('abort leaves an existing file as it was', async () => {
    const file = tmp.file('keep.xml');
    writeFileSync(file, 'old');
    const w = new CvatVideoWriter(file, { taskName: 'x' });
    await w.write(frames[0]);
    w.abort();
    expect(readFileSync(file, 'utf8')).toBe('old');
  });
});

describe('COCO results keep track ids', () => {
  it('toCocoDetection carries track_id when the instance has one, and only then', () => {
    expect(toCocoDetection(1, frames[0].instances[0]).track_id).toBe(1);
    expect('track_id' in toCocoDetection(1, frames[0].instances[1])).toBe(false);
  });
});
