import { once } from 'node:events';
import { type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { FrameResult } from '../types.js';
import { AtomicFile } from './atomic-file.js';
import { fsReason } from './fs-reason.js';
import { openStream } from './open-stream.js';

/**
 * MOTChallenge tracking results (`--mot`), one line per tracked instance, frames in seq order:
 * `frame,id,bb_left,bb_top,bb_width,bb_height,conf,-1,-1,-1` with frame = seq + 1 (1-based, as
 * MOTChallenge numbers frames), the box in frame pixels (2 decimals), conf = the score (4
 * decimals). Instances without a track id (not yet confirmed) are left out: the format has no
 * place for them. Written under a hidden name and renamed into place on {@link commit}, like the
 * JSONL ({@link AtomicFile}).
 */
export class MotWriter {
  private readonly file: AtomicFile;
  private readonly out: WriteStream;

  constructor(readonly path: string) {
    this.file = new AtomicFile(path);
    this.out = openStream(this.file.tmpPath, path);
    // A failed write (disk full) is thrown by the next write/finish (see check), never left unhandled.
    this.out.on('error', () => undefined);
  }

  async write(result: FrameResult): Promise<void> {
    this.check();
    const text = toMotLines(result);
    if (text && !this.out.write(text)) await once(this.out, 'drain').catch(() => undefined);
    this.check();
  }

  /** Flushes and closes the hidden file; the target is not touched yet. */
  async finish(): Promise<void> {
    this.check();
    this.out.end();
    await finished(this.out).catch(() => undefined);
    this.check();
  }

  commit(): void {
    this.file.commit();
  }

  /** Drops what was written; an existing target stays as it was. Idempotent. */
  abort(): void {
    this.out.destroy();
    this.file.abort();
  }

  private check(): void {
    const err = this.out.errored;
    if (err) throw new Error(`cannot write '${this.path}': ${fsReason(err)}`);
  }
}

/** The MOTChallenge lines of one frame ('' when nothing in it is tracked). */
export function toMotLines(r: FrameResult): string {
  let s = '';
  for (const i of r.instances) {
    if (i.trackId === undefined) continue;
    const [x1, y1, x2, y2] = i.box;
    s += `${r.seq + 1},${i.trackId},${round(x1, 2)},${round(y1, 2)},${round(x2 - x1, 2)},${round(y2 - y1, 2)},${round(i.score, 4)},-1,-1,-1\n`;
  }
  return s;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
