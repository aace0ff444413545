import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { readJsonl } from './jsonl.js';
import { checkSegmentTrackFiles } from './segment-track-files.js';
import { deleteKeys, exited, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const tmp = tempDir('trackcrash');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
const children: ChildProcess[] = [];

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

afterEach(async () => {
  for (const c of children.splice(0)) { if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); await exited(c); }
});
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

interface Gt { images: { id: number; seq: number }[]; annotations: { image_id: number; bbox: [number, number, number, number]; track_id: number }[] }

function iou(a: number[], b: number[]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const i = w * h;
  return i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i);
}

describe('a segmented compose with track files and zones, killed with SIGKILL and started again', () => {
  it('keeps the finished segments\' files byte for byte, recovers the one in progress, and resumes the tracker: no id names another object after the restart', async () => {
    const clip = tmp.file('synth.mp4');
    const made = await runCli(['synth', '--seed', '4244', '--frames', '200', '-o', clip]); // 10 fps: 20 s
    expect(made.code, made.stderr).toBe(0);
    const dir = tmp.file('rec');
    const out = path.join(dir, 'cam.mp4');
    const worker = spawnCli(['work', '--threads', '1', '--concurrency', '2'], env);
    children.push(worker);
    await waitForLine(worker, /waiting for frames/);
    const producer = spawnCli(['produce', clip, '--stream', 'cam'], env);
    children.push(producer);
    const args = ['compose', '--stream', 'cam', '-o', out, '--segment', '3', '--mot', path.join(dir, 'cam.mot.txt'),
      '--cvat', path.join(dir, 'cam.cvat.xml'), '--line', 'mid:0.5,0,0.5,1'];
    const first = spawnCli(args, env);
    children.push(first);
    await waitForLine(first, /segment 1 finished/, 120_000);
    await new Promise((r) => setTimeout(r, 300)); // into the next segment by a few frames
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    // The segment in progress (the workers may have raced ahead of the log line) and those before it.
    const cur = JSON.parse(readFileSync(path.join(dir, '.segstream-cam.current.json'), 'utf8')) as { index: number };
    expect(cur.index).toBeGreaterThanOrEqual(2);
    const name = (i: number) => `cam-${String(i).padStart(5, '0')}`;
    const finished = readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
    expect(finished).toEqual([...Array(cur.index).keys()].flatMap((i) => ['.cvat.xml', '.events.jsonl', '.jsonl', '.mot.txt', '.mp4'].map((e) => name(i) + e)));
    const hashes = finished.map((f) => sha(path.join(dir, f)));
    // The kill left the segment in progress's track lines under their hidden names, beside its video and JSONL.
    for (const e of ['.mot.txt', '.events.jsonl', '.jsonl', '.h264']) expect(existsSync(path.join(dir, `.${name(cur.index)}.inprogress${e}`)), e).toBe(true);

    const second = await runCli(args, { env, timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`recovered segment ${cur.index} of a killed compositor`));
    const resumed = /resumed the result stages as they were after frame (\d+): tracker: (\d+) tracks, next id (\d+)/.exec(second.stderr);
    expect(resumed, second.stderr).not.toBeNull();
    expect((await exited(producer)).code).toBe(0);

    expect(finished.map((f) => sha(path.join(dir, f)))).toEqual(hashes);
    expect(readdirSync(dir).filter((f) => f.includes('inprogress'))).toEqual([]);
    const videos = readdirSync(dir).filter((f) => f.endsWith('.mp4')).sort();
    expect(videos).toContain(`${name(cur.index)}.recovered.mp4`);
    const perSeq = new Map<number, { trackId?: number; box: number[] }[]>();
    for (const v of videos) {
      checkSegmentTrackFiles(path.join(dir, v));
      for (const l of readJsonl(path.join(dir, v.replace(/\.mp4$/, '.jsonl')))) perSeq.set(l.seq, l.instances as { trackId?: number; box: number[] }[]);
    }
    expect([...perSeq.keys()].sort((a, b) => a - b)).toEqual([...Array(200).keys()]);
    // The restarted compose began a new segment at the first frame not written.
    const resumeSeq = readJsonl(path.join(dir, `${name(cur.index + 1)}.jsonl`))[0].seq;
    expect(Number(resumed![1]) + 1).toBe(resumeSeq);

    // Each id's ground-truth object (by box IoU >= 0.5) before the restart and after it.
    const gt = JSON.parse(readFileSync(clip.replace(/\.mp4$/, '.json'), 'utf8')) as Gt;
    const seqOf = new Map(gt.images.map((i) => [i.id, i.seq]));
    const gtAt = new Map<number, { box: number[]; track: number }[]>();
    for (const a of gt.annotations) {
      const s = seqOf.get(a.image_id)!;
      const [x, y, w, h] = a.bbox;
      gtAt.set(s, [...(gtAt.get(s) ?? []), { box: [x, y, x + w, y + h], track: a.track_id }]);
    }
    // The object each id names at a frame, where the match is unambiguous (best IoU >= 0.7, next < 0.3).
    const objectsAt = (s: number) => {
      const m = new Map<number, number>();
      for (const inst of perSeq.get(s) ?? []) {
        if (inst.trackId === undefined) continue;
        const [best, next] = (gtAt.get(s) ?? []).map((g) => ({ g, v: iou(g.box, inst.box) })).sort((a, b) => b.v - a.v);
        if (best && best.v >= 0.7 && (next?.v ?? 0) < 0.3) m.set(inst.trackId, best.g.track);
      }
      return m;
    };
    // Every id on screen just before the restart (3 frames) that is used again in the 10 frames after
    // it names the object it named before.
    const lastBefore = new Map<number, number>();
    for (let s = resumeSeq - 3; s < resumeSeq; s++) for (const [id, g] of objectsAt(s)) lastBefore.set(id, g);
    const firstAfter = new Map<number, number>();
    for (let s = resumeSeq + 9; s >= resumeSeq; s--) for (const [id, g] of objectsAt(s)) firstAfter.set(id, g);
    const shared = [...firstAfter.keys()].filter((id) => lastBefore.has(id));
    console.log(`restart at seq ${resumeSeq}: ids before ${[...lastBefore].map(([i, g]) => `#${i}=gt${g}`).join(' ')}; after ${[...firstAfter].map(([i, g]) => `#${i}=gt${g}`).join(' ')}`);
    expect(shared.length).toBeGreaterThan(0); // objects on screen at the kill kept their ids
    for (const id of shared) expect(firstAfter.get(id), `id ${id}`).toBe(lastBefore.get(id));
  }, 400_000);
});
