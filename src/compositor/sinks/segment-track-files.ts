import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CvatTracks } from '../../core/results/cvat-tracks.js';
import type { CvatShapeKind } from '../../core/results/cvat-tracks.js';
import { toMotLines } from '../../core/results/mot-writer.js';
import { inProgressName, withExt } from './segment-namer.js';
import type { SinkFrame } from './sink.js';

/** A track file each segment gets beside its video: what it is, and how its name ends. */
export interface SegmentFileSpec {
  kind: 'mot' | 'cvat' | 'events';
  /** Put on the video's name in place of its extension: `.mot.txt`, `.events.jsonl`, ... */
  ext: string;
  cvatShapes?: CvatShapeKind;
}

/** As the in-progress record keeps it: the finished name, and the hidden file it grows in. */
export interface SegmentFileRecord extends SegmentFileSpec {
  target: string;
  partial: string;
}

/**
 * The MOT, CVAT and zone-event files of the segment being written. MOT and event lines go to
 * their hidden `.NAME.inprogress.EXT` files with one synchronous write per frame, like the
 * segment's JSONL, so a SIGKILL leaves them for the next compositor (segment-track-recovery.ts);
 * CVAT, grouped by track, is kept in memory and can be made again from the JSONL. `finish`
 * renames them into place. Frames are numbered from the segment's first frame (MOT 1, CVAT 0), as
 * a CVAT task or MOT evaluation made from the segment's own video counts them.
 */
export class SegmentTrackFiles {
  readonly records: SegmentFileRecord[];
  private readonly fds: (number | null)[];
  private readonly cvat: (CvatTracks | null)[];

  constructor(video: string, private readonly firstSeq: number, specs: readonly SegmentFileSpec[]) {
    this.records = specs.map((s) => ({ ...s, target: withExt(video, s.ext), partial: inProgressName(video, s.ext) }));
    // 'wx': an in-progress file of that name is a crashed segment's: never write over it.
    this.fds = this.records.map((r) => (r.kind === 'cvat' ? null : openSync(r.partial, 'wx')));
    this.cvat = this.records.map((r) => (r.kind === 'cvat' ? new CvatTracks({ taskName: path.basename(video), shapes: r.cvatShapes, firstSeq }) : null));
  }

  write(f: SinkFrame): void {
    this.records.forEach((r, i) => {
      const fd = this.fds[i];
      if (r.kind === 'cvat') this.cvat[i]!.add(f.result);
      else if (r.kind === 'mot') writeSync(fd!, toMotLines(f.result, this.firstSeq));
      else for (const e of f.stageEvents ?? []) writeSync(fd!, JSON.stringify(e) + '\n');
    });
  }

  /** Closes and renames every file into place; returns their names. */
  finish(): string[] {
    this.records.forEach((r, i) => {
      const cvat = this.cvat[i];
      if (cvat) writeFileSync(r.partial, cvat.toXml());
      else closeSync(this.fds[i]!);
      renameSync(r.partial, r.target);
    });
    return this.records.map((r) => r.target);
  }

  /** Leaves the hidden files as a crash would. */
  leave(): void {
    for (const fd of this.fds) if (fd !== null) try { closeSync(fd); } catch { /* closed */ }
  }
}
