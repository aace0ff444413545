import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CvatTracks } from '../../core/results/cvat-tracks.js';
import { frameFromJsonLine } from '../../core/results/jsonl-writer.js';
import { withExt } from './segment-namer.js';
import type { SegmentFileRecord } from './segment-track-files.js';

/**
 * The track files of a segment a killed compositor left, made whole for the frames it had acked
 * (seq < resumeSeq): MOT lines of those frames and events before resumeSeq from the hidden files
 * (a line the kill cut is dropped), CVAT made again from the segment's kept JSONL lines. Each is
 * written beside `video` (the recovered segment's MP4), named like it, by a rename; the hidden
 * files go. A file already in place (killed after renaming it) is kept. Returns the names.
 */
export function recoverTrackFiles(
  records: readonly SegmentFileRecord[], video: string, firstSeq: number, resumeSeq: number, jsonlLines: readonly string[],
): string[] {
  const out: string[] = [];
  for (const r of records) {
    const target = withExt(video, r.ext);
    if (!existsSync(r.partial) && existsSync(target)) { out.push(target); continue; }
    let text = '';
    if (r.kind === 'cvat') {
      const tracks = new CvatTracks({ taskName: path.basename(video), shapes: r.cvatShapes, firstSeq });
      for (const line of jsonlLines) {
        let o: Record<string, unknown>;
        try { o = JSON.parse(line); } catch { continue; }
        const f = frameFromJsonLine(o);
        if (f && f.seq < resumeSeq) tracks.add(f);
      }
      text = tracks.toXml();
    } else {
      const lines = existsSync(r.partial) ? readFileSync(r.partial, 'utf8').split('\n').slice(0, -1) : []; // the last piece: '' or cut
      const keep = r.kind === 'mot'
        ? (l: string) => Number(l.split(',')[0]) <= resumeSeq - firstSeq
        : (l: string) => { try { return (JSON.parse(l) as { seq: number }).seq < resumeSeq; } catch { return false; } };
      text = lines.filter(keep).map((l) => l + '\n').join('');
    }
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, target);
    rmSync(r.partial, { force: true });
    out.push(target);
  }
  return out;
}

/** Removes what a segment with nothing acked left. */
export function dropTrackFiles(records: readonly SegmentFileRecord[]): void {
  for (const r of records) rmSync(r.partial, { force: true });
}
