import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SegmentFileRecord } from './segment-track-files.js';

/** A finished segment, as the index records it. */
export interface SegmentRecord {
  index: number;
  /** The MP4 and its JSONL (absolute paths). */
  video: string;
  results: string;
  firstSeq: number;
  frames: number;
  /** UTC of the first frame (ISO 8601). */
  start: string;
  durationMs: number;
  bytes: number;
  /** Muxed by a later compositor from what a killed one left. */
  recovered?: boolean;
  /** Its track files (MOT, CVAT, zone events), deleted with it by retention. */
  files?: string[];
}

/** The segment being written: enough for a compositor started after a crash to recover it. */
export interface InProgressRecord {
  index: number;
  video: string;
  results: string;
  /** The raw H.264 and the JSONL lines written so far. */
  raw: string;
  lines: string;
  firstSeq: number;
  start: string;
  /** The ffmpeg that writes `raw`: it outlives a SIGKILLed compositor until it has drained its pipe. */
  encoderPid: number | null;
  /** Its track files: where each is being written, and its name once finished. */
  files?: SegmentFileRecord[];
}

/**
 * A stream's segments on disk: `.segstream-STREAM.segments.jsonl` (one line per finished segment,
 * and `{"deleted":INDEX}` when retention removed one) and `.segstream-STREAM.current.json` (the
 * segment in progress), both in the recording's state directory. Appends are synchronous: the
 * record of a finished segment is on disk before its frames are acked.
 */
export class SegmentIndex {
  readonly file: string;
  readonly currentFile: string;

  constructor(dir: string, streamId: string) {
    this.file = path.join(dir, `.segstream-${streamId}.segments.jsonl`);
    this.currentFile = path.join(dir, `.segstream-${streamId}.current.json`);
  }

  /** Finished segments still on disk, oldest first. */
  segments(): SegmentRecord[] {
    if (!existsSync(this.file)) return [];
    const live = new Map<number, SegmentRecord>();
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let rec: SegmentRecord | { deleted: number };
      try { rec = JSON.parse(line); } catch { continue; } // a line cut by a crash
      if ('deleted' in rec) live.delete(rec.deleted);
      else live.set(rec.index, rec);
    }
    return [...live.values()].sort((a, b) => a.index - b.index);
  }

  /** The number the next segment gets: one past every index used (deleted ones included). */
  nextIndex(): number {
    let max = -1;
    if (existsSync(this.file)) {
      for (const m of readFileSync(this.file, 'utf8').matchAll(/"(?:index|deleted)":(\d+)/g)) max = Math.max(max, Number(m[1]));
    }
    const cur = this.current();
    if (cur) max = Math.max(max, cur.index);
    return max + 1;
  }

  added(rec: SegmentRecord): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    appendFileSync(this.file, JSON.stringify(rec) + '\n');
  }

  deleted(index: number): void {
    appendFileSync(this.file, JSON.stringify({ deleted: index }) + '\n');
  }

  current(): InProgressRecord | null {
    if (!existsSync(this.currentFile)) return null;
    try {
      return JSON.parse(readFileSync(this.currentFile, 'utf8')) as InProgressRecord;
    } catch {
      return null;
    }
  }

  /** Written whole under a temporary name and renamed: a crash leaves the old record or the new. */
  setCurrent(rec: InProgressRecord | null): void {
    if (!rec) { rmSync(this.currentFile, { force: true }); return; }
    mkdirSync(path.dirname(this.currentFile), { recursive: true });
    const tmp = `${this.currentFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, this.currentFile);
  }
}
