import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CocoSink } from '../../src/compositor/sinks/coco-sink.js';
import { JsonlSink } from '../../src/compositor/sinks/jsonl-sink.js';
import { Mp4Sink } from '../../src/compositor/sinks/mp4-sink.js';
import { ImageSink } from '../../src/compositor/sinks/image-sink.js';
import { SegmentedMp4Sink } from '../../src/compositor/sinks/segmented-mp4-sink.js';
import type { Sink } from '../../src/compositor/sinks/sink.js';
import { ResultWriterSink } from '../../src/compositor/sinks/result-writer-sink.js';
import { ZoneEventsSink } from '../../src/compositor/sinks/zone-events-sink.js';
import { MotWriter } from '../../src/core/results/mot-writer.js';
import { CvatVideoWriter } from '../../src/core/results/cvat-video-writer.js';
import { probeVideo } from '../../src/core/media/test-clip.js';
import { log } from '../../src/core/log.js';
import type { FrameResult, StreamInfo } from '../../src/core/types.js';
import { yuv420Size } from '../../src/core/yuv420.js';
import { tempDir } from '../helpers.js';

const W = 64;
const H = 48;
const tmp = tempDir('sinks');
afterAll(() => tmp.cleanup());

const info: StreamInfo = { streamId: 'cam', source: 'none', width: W, height: H, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live: false, startedAt: '2026-12-01T10:00:00.000Z' };
const result = (seq: number): FrameResult => ({ streamId: 'cam', seq, ptsMs: seq * 100, width: W, height: H, instances: [] });
const pixels = (seq: number) => new Uint8Array(yuv420Size(W, H)).fill((seq * 20) % 256);

interface Case {
  make(dir: string): Sink;
  /** Files a successful close + commit of `frames` frames leaves (names in dir). */
  outputs(frames: number): string[];
  /** Existing names the sink must leave alone even on success (it picks other names). */
  neverReplaces: boolean;
  /** Frames the sink takes (an image: one). @defaultValue any number */
  maxFrames?: number;
}

const cases: [string, Case][] = [
  ['mp4', { make: (d) => new Mp4Sink(path.join(d, 'out.mp4'), {}, log), outputs: () => ['out.mp4'], neverReplaces: false }],
  ['jsonl', { make: (d) => new JsonlSink(path.join(d, 'out.jsonl')), outputs: () => ['out.jsonl'], neverReplaces: false }],
  ['coco', { make: (d) => new CocoSink(path.join(d, 'out.json'), 'out.mp4'), outputs: () => ['out.dataset.json', 'out.json'], neverReplaces: false }],
  ['mot', { make: (d) => new ResultWriterSink(path.join(d, 'out.mot.txt'), () => new MotWriter(path.join(d, 'out.mot.txt'))), outputs: () => ['out.mot.txt'], neverReplaces: false }],
  ['cvat', { make: (d) => new ResultWriterSink(path.join(d, 'out.xml'), () => new CvatVideoWriter(path.join(d, 'out.xml'), { taskName: 'out.mp4' })), outputs: () => ['out.xml'], neverReplaces: false }],
  ['zone events', { make: (d) => new ZoneEventsSink(path.join(d, 'out.events.jsonl')), outputs: () => ['out.events.jsonl'], neverReplaces: false }],
  ['image', { make: (d) => new ImageSink(path.join(d, 'out.png')), outputs: () => ['out.png'], neverReplaces: false, maxFrames: 1 }],
  ['segmented mp4', {
    // 0.2 s segments of 10 fps: two frames each.
    make: (d) => new SegmentedMp4Sink(path.join(d, 'seg.mp4'), { streamId: 'cam', seconds: 0.2 }, log),
    outputs: (n) => Array.from({ length: Math.ceil(n / 2) }, (_, i) => [`seg-0000${i}.jsonl`, `seg-0000${i}.mp4`]).flat(),
    neverReplaces: true,
  }],
];

/** Names in dir, hidden bookkeeping of the segmented sink (its index) left out. */
const visible = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.segstream-')).sort();

async function writeFrames(sink: Sink, n: number, max = n): Promise<void> {
  n = Math.min(n, max);
  await sink.open(info);
  for (let s = 0; s < n; s++) await sink.write({ result: result(s), yuv: pixels(s) });
}

describe.each(cases)('%s sink', (name, c) => {
  let k = 0;
  const fresh = () => { const d = tmp.file(`${name.replace(' ', '-')}-${k++}`); mkdirSync(d); return d; };

  it('writes under hidden names and leaves only its outputs after close + commit', async () => {
    const dir = fresh();
    const sink = c.make(dir);
    await writeFrames(sink, 5, c.maxFrames);
    await sink.close({ end: { frames: 5, firstPtsMs: 0, lastPtsMs: 400 }, frames: 5, firstPtsMs: 0, lastPtsMs: 400 });
    sink.commit();
    expect(visible(dir)).toEqual(c.outputs(5).sort());
    for (const f of visible(dir).filter((f) => f.endsWith('.mp4'))) expect((await probeVideo(path.join(dir, f))).frames).toBeGreaterThan(0);
  });

  it('leaves an existing file byte for byte as it was until commit (and, for a segmenting sink, for good)', async () => {
    const dir = fresh();
    const target = c.outputs(5)[0];
    writeFileSync(path.join(dir, target), 'precious');
    const sink = c.make(dir);
    await writeFrames(sink, 5, c.maxFrames);
    expect(readFileSync(path.join(dir, target), 'utf8')).toBe('precious');
    sink.abort();
    expect(readFileSync(path.join(dir, target), 'utf8')).toBe('precious');
    const again = c.make(dir);
    await writeFrames(again, 5, c.maxFrames);
    await again.close({ end: { frames: 5, firstPtsMs: 0, lastPtsMs: 400 }, frames: 5, firstPtsMs: 0, lastPtsMs: 400 });
    again.commit();
    if (c.neverReplaces) expect(readFileSync(path.join(dir, target), 'utf8')).toBe('precious');
    else expect(readFileSync(path.join(dir, target), 'utf8')).not.toBe('precious');
  });

  it('abort leaves no output of its own behind', async () => {
    const dir = fresh();
    const sink = c.make(dir);
    await writeFrames(sink, 1, c.maxFrames);
    sink.abort();
    sink.abort(); // idempotent
    const left = visible(dir);
    // A segmenting sink keeps the segment in progress (hidden) for the next compositor: its frames were acked.
    if (c.neverReplaces) expect(left.every((f) => f.includes('.inprogress.'))).toBe(true);
    else expect(left).toEqual([]);
  });

  if (c.maxFrames !== undefined) {
    it(`refuses frame ${c.maxFrames + 1}, and abort then leaves nothing`, async () => {
      const dir = fresh();
      const sink = c.make(dir);
      await writeFrames(sink, c.maxFrames!);
      await expect(sink.write({ result: result(c.maxFrames!), yuv: pixels(c.maxFrames!) })).rejects.toThrow(/more than one frame/);
      sink.abort();
      expect(visible(dir)).toEqual([]);
    });
  }

  it('close on zero frames throws or writes, and after abort nothing is left', async () => {
    const dir = fresh();
    const sink = c.make(dir);
    await sink.open(info);
    await sink.close({ end: { frames: 0, firstPtsMs: null, lastPtsMs: null }, frames: 0, firstPtsMs: null, lastPtsMs: null }).catch(() => undefined);
    sink.abort();
    expect(visible(dir)).toEqual([]);
  });
});
