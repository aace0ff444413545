/**
 * Issue #3 item 6: the real YOLOv8n-seg model on real footage, checked against frames labelled by eye.
 *
 * test/fixtures/labels/people-walking.json holds a handful of frames of ../shared/media/people-walking.mp4
 * labelled by looking at them (how many people, a rough box each; or an empty room). Running the
 * whole 1394-frame clip would take minutes, so beforeAll cuts exactly those frames, in order, into
 * a short lossless 10 fps clip, checks that its pictures are the source's frames bit for bit, and
 * `segstream run` segments that clip: JSONL line i is labelled frame i.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { rleArea, rleCountsFromString } from '../../src/core/rle.js';
import { readJsonl, type JsonlLine } from './jsonl.js';
import { hasSharedMedia, hasYolo, repoRoot, runCli, sharedMedia, tempDir, yoloModel } from '../helpers.js';

type Box = [number, number, number, number];
interface LabelledFrame { seq: number; ptsMs: number; people: number; boxes: Box[]; note: string }
interface Labels { source: string; labelledBy: string; frames: LabelledFrame[] }

const SCORE = 0.4;
const labels = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'labels', 'people-walking.json'), 'utf8')) as Labels;
const frames = labels.frames;
const source = path.join(sharedMedia, labels.source);

function iou(a: Box | number[], b: Box | number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

function centreInside(box: number[], b: Box): boolean {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  return cx >= b[0] && cx <= b[2] && cy >= b[1] && cy <= b[3];
}

/** Per-frame MD5s of decoded pixels (yuv420p as stored), after an optional filter. */
function frameHashes(file: string, vf?: string): string[] {
  const args = ['-v', 'error', '-i', file, '-map', '0:v:0'];
  if (vf) args.push('-vf', vf, '-vsync', '0');
  args.push('-f', 'framemd5', '-');
  const out = execFileSync(ffmpegPath(), args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  return out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
}

const tmp = tempDir('yolo-real');
const clip = path.join(tmp.dir, 'labelled-frames.mp4');
const out = path.join(tmp.dir, 'out.mp4');
const select = `select=${frames.map((f) => `eq(n\\,${f.seq})`).join('+')}`;
let lines: JsonlLine[] = [];
afterAll(() => tmp.cleanup()); // top level: also removes the (empty) temp dir when the suite is skipped

const persons = (l: JsonlLine) => l.instances.filter((i) => i.label === 'person' && i.score >= SCORE);
const describeFound = (l: JsonlLine) => persons(l).map((p) => `person ${p.score.toFixed(2)} [${p.box.map(Math.round).join(',')}]`).join('; ') || 'no person';

describe.skipIf(!hasSharedMedia || !hasYolo)(
  `YOLOv8n-seg on people-walking.mp4 vs frames labelled by eye${!hasSharedMedia || !hasYolo ? ' (SKIPPED: needs ../shared/media/people-walking.mp4 and ../shared/models/yolov8n-seg-int8.onnx)' : ''}`,
  () => {
    beforeAll(async () => {
      // The labelled frames only, in order, re-timed to a plain 10 fps, lossless (qp 0).
      execFileSync(ffmpegPath(), [
        '-v', 'error', '-y', '-i', source, '-an',
        '-vf', `${select},setpts=N/(10*TB)`, '-r', '10',
        '-c:v', 'libx264', '-qp', '0', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip,
      ]);
      const wanted = frameHashes(source, select);
      expect(wanted).toHaveLength(frames.length);
      expect(frameHashes(clip), 'the cut clip must hold exactly the labelled source frames, in order').toEqual(wanted);

      const r = await runCli(['run', clip, '-o', out, '--model', yoloModel, '--score', String(SCORE), '--no-audio'], { timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(0);
      lines = readJsonl(out.replace(/\.mp4$/, '.jsonl'));
    }, 90_000);

    it('segments every labelled frame once, in order, at the source size', () => {
      expect(lines.map((l) => l.seq)).toEqual(frames.map((_, i) => i));
      for (const l of lines) expect([l.width, l.height]).toEqual([768, 432]);
    });

    const withPeople = frames.map((f, i) => ({ f, i })).filter(({ f }) => f.people > 0);
    const empty = frames.map((f, i) => ({ f, i })).filter(({ f }) => f.people === 0);

    it.each(withPeople.map(({ f, i }) => [f.seq, f.people, i] as const))(
      'frame %i (%i labelled): finds the people where they were seen',
      (seq, people, i) => {
        const f = frames[i];
        const found = persons(lines[i]);
        const msg = `frame ${seq} (${f.note}): ${describeFound(lines[i])}`;
        expect(Math.abs(found.length - people), msg).toBeLessThanOrEqual(1);
        for (const b of f.boxes) {
          expect(found.some((p) => iou(p.box, b) >= 0.3 || centreInside(p.box, b)), `${msg}: nothing on labelled box [${b.join(',')}]`).toBe(true);
        }
      },
    );

    it.each(empty.map(({ f, i }) => [f.seq, i] as const))('frame %i (empty room): finds no person', (seq, i) => {
      expect(persons(lines[i]), `frame ${seq} (${frames[i].note}): ${describeFound(lines[i])}`).toEqual([]);
    });

    it('gives each person a mask covering a plausible share (0.2-0.95) of its box', () => {
      let checked = 0;
      for (const l of lines) {
        for (const p of persons(l)) {
          const area = rleArea({ size: p.mask.size, counts: rleCountsFromString(p.mask.counts) });
          const boxArea = (p.box[2] - p.box[0]) * (p.box[3] - p.box[1]);
          const fill = area / boxArea;
          expect(fill, `frame ${frames[lines.indexOf(l)].seq}: person mask ${area} px in box [${p.box.join(',')}]`).toBeGreaterThanOrEqual(0.2);
          expect(fill).toBeLessThanOrEqual(0.95);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(withPeople.length);
    });
  },
);
