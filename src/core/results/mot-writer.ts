import type { FrameResult } from '../types.js';
import { AtomicTextWriter } from './atomic-text-writer.js';

/**
 * MOTChallenge tracking results (`--mot`), one line per tracked instance, frames in seq order:
 * `frame,id,bb_left,bb_top,bb_width,bb_height,conf,-1,-1,-1` with frame = seq - firstSeq + 1
 * (1-based, as MOTChallenge numbers frames, from the first frame of the video the file goes with:
 * seq 0 for a stream's video, a segment's or a resumed file's first seq for those), the box in frame pixels (2 decimals), conf = the score (4
 * decimals). Instances without a track id (not yet confirmed) are left out: the format has no
 * place for them. Written under a hidden name and renamed into place on {@link commit}, like the
 * JSONL ({@link AtomicFile}).
 */
export class MotWriter {
  private readonly out: AtomicTextWriter;

  constructor(readonly path: string, private readonly firstSeq = 0) {
    this.out = new AtomicTextWriter(path);
  }

  async write(result: FrameResult): Promise<void> {
    await this.out.write(toMotLines(result, this.firstSeq));
  }

  /** Flushes and closes the hidden file; the target is not touched yet. */
  finish(): Promise<void> {
    return this.out.finish();
  }

  commit(): void {
    this.out.commit();
  }

  /** Drops what was written; an existing target stays as it was. Idempotent. */
  abort(): void {
    this.out.abort();
  }
}

/** The MOTChallenge lines of one frame ('' when nothing in it is tracked); frame 1 is seq `firstSeq`. */
export function toMotLines(r: FrameResult, firstSeq = 0): string {
  let s = '';
  const frame = r.seq - firstSeq + 1;
  for (const i of r.instances) {
    if (i.trackId === undefined) continue;
    const [x1, y1, x2, y2] = i.box;
    s += `${frame},${i.trackId},${round(x1, 2)},${round(y1, 2)},${round(x2 - x1, 2)},${round(y2 - y1, 2)},${round(i.score, 4)},-1,-1,-1\n`;
  }
  return s;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
