/**
 * Issue 9 item 4, real footage: the real COCO YOLOv8n-seg model on ../shared/media/people-walking.mp4
 * (139 s, an indoor room that six people cross one at a time), tracked by the default ByteTrack.
 *
 * Counted by eye (a contact sheet of one frame every 4 s, then the frames around each change):
 * six people, never two at once — a woman in a grey cardigan (about 5-21 s), a man in a black
 * hoodie (22-46 s), a woman in a black top (50-72 s), a man in a black T-shirt (74-89 s), a
 * woman in a grey sweater (91-121 s) and a man in a grey shirt (124-138 s).
 *
 * Tolerance: the number of person tracks lasting at least 2 s may be 6 or one more (one person's
 * track broken once); none of them may overlap another in time by more than 1 s, since the
 * people come one at a time (a second id on the same person while the first is alive would).
 * Sampled at --fps 2 to keep the run near a minute: the tracker counts time, not frames.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readJsonl } from './jsonl.js';
import { hasSharedMedia, hasYolo, runCli, sharedMedia, tempDir, yoloModel } from '../helpers.js';

const PEOPLE_COUNTED_BY_EYE = 6;
const MIN_TRACK_S = 2;
const tmp = tempDir('track-real');
afterAll(() => tmp.cleanup());

describe.skipIf(!hasSharedMedia || !hasYolo)(
  `person tracks on people-walking.mp4 vs people counted by eye${!hasSharedMedia || !hasYolo ? ' (SKIPPED: needs ../shared/media/people-walking.mp4 and ../shared/models/yolov8n-seg-int8.onnx)' : ''}`,
  () => {
    it(`finds ${PEOPLE_COUNTED_BY_EYE} (+1) person tracks of >= ${MIN_TRACK_S} s, one at a time`, async () => {
      const out = path.join(tmp.dir, 'people.mp4');
      const r = await runCli(
        ['run', path.join(sharedMedia, 'people-walking.mp4'), '-o', out, '--model', yoloModel, '--score', '0.4', '--fps', '2'],
        { timeoutMs: 400_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      const spans = new Map<number, { first: number; last: number }>();
      for (const l of readJsonl(out.replace(/\.mp4$/, '.jsonl'))) {
        for (const i of l.instances as { label: string; trackId?: number }[]) {
          if (i.label !== 'person' || i.trackId === undefined) continue;
          const s = spans.get(i.trackId);
          if (s) s.last = l.ptsMs;
          else spans.set(i.trackId, { first: l.ptsMs, last: l.ptsMs });
        }
      }
      const long = [...spans].filter(([, s]) => s.last - s.first >= MIN_TRACK_S * 1000).sort((a, b) => a[1].first - b[1].first);
      console.log(`person tracks >= ${MIN_TRACK_S} s: ${long.length} (counted by eye: ${PEOPLE_COUNTED_BY_EYE}); all person tracks: ${spans.size}`);
      for (const [id, s] of long) console.log(`  #${id}: ${(s.first / 1000).toFixed(1)}-${(s.last / 1000).toFixed(1)} s`);
      expect(long.length).toBeGreaterThanOrEqual(PEOPLE_COUNTED_BY_EYE);
      expect(long.length).toBeLessThanOrEqual(PEOPLE_COUNTED_BY_EYE + 1);
      for (let k = 1; k < long.length; k++) {
        expect(long[k][1].first, `track #${long[k][0]} starts while #${long[k - 1][0]} is alive`).toBeGreaterThan(long[k - 1][1].last - 1000);
      }
    }, 420_000);
  },
);
