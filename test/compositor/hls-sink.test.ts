import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HlsSink, hlsDirProblem } from '../../src/compositor/sinks/hls-sink.js';
import { HlsEncoder } from '../../src/core/media/hls-encoder.js';
import { probeVideo } from '../../src/core/media/test-clip.js';
import { Logger } from '../../src/core/log.js';
import type { FrameResult, StreamInfo } from '../../src/core/types.js';
import { yuv420Size } from '../../src/core/yuv420.js';
import { tempDir } from '../helpers.js';

const W = 64;
const H = 48;
const tmp = tempDir('hls');
afterAll(() => tmp.cleanup());

const info: StreamInfo = { streamId: 'cam', source: 'none', width: W, height: H, fps: 10, durationMs: null, hasAudio: false, audioCodec: null, live: true, startedAt: '2026-12-01T10:00:00.000Z' };
const result = (seq: number, ptsMs = seq * 100): FrameResult => ({ streamId: 'cam', seq, ptsMs, width: W, height: H, instances: [] });
const pixels = (seq: number) => new Uint8Array(yuv420Size(W, H)).fill((seq * 20) % 256);

/** Collects warnings instead of printing them. */
class WarnLog extends Logger {
  readonly warnings: string[] = [];
  constructor() { super({ level: 'error' }); }
  override warn(msg: string): void { this.warnings.push(msg); }
  override child(): Logger { return this; }
}

/** The playlist's segments with their EXTINF durations. */
function playlist(dir: string): { segments: { name: string; seconds: number }[]; ended: boolean } {
  const text = readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
  const segments: { name: string; seconds: number }[] = [];
  let seconds = NaN;
  for (const line of text.split('\n')) {
    const m = /^#EXTINF:([\d.]+)/.exec(line);
    if (m) seconds = Number(m[1]);
    else if (line && !line.startsWith('#')) segments.push({ name: line, seconds });
  }
  return { segments, ended: text.includes('#EXT-X-ENDLIST') };
}

let k = 0;
const fresh = () => tmp.file(`view-${k++}`);

describe('HLS sink', () => {
  it('writes a rolling playlist of 1 s segments, each decodable alone, closed with ENDLIST', async () => {
    const dir = fresh();
    const sink = new HlsSink({ dir, segmentSeconds: 1, listSize: 3 }, new WarnLog());
    await sink.open(info);
    for (let s = 0; s < 50; s++) await sink.write({ result: result(s), yuv: pixels(s) });
    await sink.close();
    const p = playlist(dir);
    expect(p.ended).toBe(true);
    expect(p.segments.length).toBe(3); // the rolling window, not all five
    for (const seg of p.segments) {
      expect(seg.seconds).toBeCloseTo(1, 1);
      // Each segment starts on a keyframe: it decodes with nothing before it.
      expect((await probeVideo(path.join(dir, seg.name))).frames).toBe(10);
    }
    // Segments that left the window are deleted, but for the one just before it (ffmpeg's
    // hls_delete_threshold: a player may still be fetching it).
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['index.m3u8', ...p.segments.map((s) => s.name)]));
    expect(files.length).toBe(1 + p.segments.length + 1);
  }, 60_000);

  it('repeats a late frame to keep the source clock, and does not replay an outage', async () => {
    const enc = new HlsEncoder(fresh(), { width: W, height: H, fps: 10, segmentSeconds: 1, listSize: 3 });
    for (let s = 0; s < 10; s++) await enc.write(pixels(s), s * 200); // 5 fps arriving for a 10 fps view
    expect(enc.frames).toBe(19);
    await enc.write(pixels(10), 9 * 200 + 60_000); // back after a minute
    expect(enc.frames).toBe(20);
    await enc.close();
  }, 60_000);

  it('refuses a directory holding files that are not an HLS view, and replaces an earlier view', async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(hlsDirProblem(dir)).toMatch(/holds files that are not an HLS view of segstream's \(notes\.txt\)/);
    await expect(new HlsSink({ dir }, new WarnLog()).open(info)).rejects.toThrow(/notes\.txt/);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');

    const view = fresh();
    mkdirSync(view);
    writeFileSync(path.join(view, 'seg-1.ts'), 'old');
    writeFileSync(path.join(view, 'index.m3u8'), '#EXTM3U\nseg-1.ts\n');
    expect(hlsDirProblem(view)).toBeNull();
    const sink = new HlsSink({ dir: view }, new WarnLog());
    await sink.open(info);
    for (let s = 0; s < 12; s++) await sink.write({ result: result(s), yuv: pixels(s) });
    await sink.close();
    expect(existsSync(path.join(view, 'seg-1.ts'))).toBe(false);
    expect(playlist(view).segments.length).toBeGreaterThan(0);
  }, 60_000);

  it('gives up a broken view with a warning instead of failing the outputs beside it', async () => {
    const dir = fresh();
    const warn = new WarnLog();
    const sink = new HlsSink({ dir, segmentSeconds: 0.5 }, warn);
    await sink.open(info);
    for (let s = 0; s < 3; s++) await sink.write({ result: result(s), yuv: pixels(s) });
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'a file where the directory was'); // ffmpeg cannot open its next segment
    for (let s = 3; s < 60; s++) await sink.write({ result: result(s), yuv: pixels(s) });
    await sink.close();
    expect(warn.warnings.join('\n')).toMatch(/live HLS view stopped, the other outputs go on: cannot write HLS to/);
  }, 60_000);
});
