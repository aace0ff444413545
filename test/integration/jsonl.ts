import { readFileSync } from 'node:fs';

export interface JsonlLine {
  streamId: string;
  seq: number;
  ptsMs: number;
  width: number;
  height: number;
  instances: { classId: number; label: string; score: number; box: number[]; mask: { size: [number, number]; counts: string } }[];
  error?: string;
}

/** A source event line (`{"event":"source-lost"|"source-back",...}`) between the frame lines. */
export interface JsonlEvent {
  event: 'source-lost' | 'source-back';
  streamId: string;
  atSeq: number;
  ptsMs: number | null;
  wallClock: string;
  reason?: string;
  gapMs?: number;
  attempts?: number;
}

function readLines(path: string): (JsonlLine | JsonlEvent)[] {
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonlLine | JsonlEvent);
}

/** The frame lines (event lines left out). */
export function readJsonl(path: string): JsonlLine[] {
  return readLines(path).filter((l): l is JsonlLine => !('event' in l));
}

/** The event lines, each with the index of the frame line that follows it (frames.length if none). */
export function readJsonlEvents(path: string): (JsonlEvent & { beforeFrame: number })[] {
  const out: (JsonlEvent & { beforeFrame: number })[] = [];
  let frames = 0;
  for (const l of readLines(path)) {
    if ('event' in l) out.push({ ...l, beforeFrame: frames });
    else frames++;
  }
  return out;
}

/** The parts of a result that must not depend on how it was computed (memory vs Redis). */
export function comparable(lines: JsonlLine[]): unknown[] {
  return lines.map(({ streamId: _s, ...rest }) => rest);
}

/** The lines' seqs in file order (compare with 0..n-1: every frame once, in order). */
export function seqs(lines: JsonlLine[]): number[] {
  return lines.map((l) => l.seq);
}
