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

export function readJsonl(path: string): JsonlLine[] {
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonlLine);
}

/** The parts of a result that must not depend on how it was computed (memory vs Redis). */
export function comparable(lines: JsonlLine[]): unknown[] {
  return lines.map(({ streamId: _s, ...rest }) => rest);
}

/** The lines' seqs in file order (compare with 0..n-1: every frame once, in order). */
export function seqs(lines: JsonlLine[]): number[] {
  return lines.map((l) => l.seq);
}
