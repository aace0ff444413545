import { formatDuration } from '../core/progress.js';

export type BatchStatus = 'done' | 'skipped' | 'failed';

/** One row of the table a batch ends with. */
export interface BatchRow {
  /** The input as the summary names it (its path relative to what named it). */
  input: string;
  status: BatchStatus;
  frames: number;
  instances: number;
  /** Wall time of this input, ms (0 when skipped). */
  ms: number;
  /** Why it was skipped or failed: one line. */
  note?: string;
}

/** The per-input table: input, frames, instances, time, status (and why, when not done). */
export function formatBatchTable(rows: readonly BatchRow[]): string {
  const head = ['input', 'frames', 'instances', 'time', 'status'];
  const cells = rows.map((r) => [
    r.input,
    r.status === 'done' || r.frames ? String(r.frames) : '-',
    r.status === 'done' || r.instances ? String(r.instances) : '-',
    r.ms ? formatSeconds(r.ms) : '-',
    r.note ? `${r.status}: ${r.note}` : r.status,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 4 ? 0 : c[i].length))));
  const fmt = (c: string[]) => c.map((v, i) => (i === 4 ? v : i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [fmt(head), ...cells.map(fmt)].join('\n');
}

function formatSeconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(2)} s` : formatDuration(ms / 1000);
}

export function batchTotals(rows: readonly BatchRow[]): Record<BatchStatus, number> & { frames: number; instances: number } {
  const t = { done: 0, skipped: 0, failed: 0, frames: 0, instances: 0 };
  for (const r of rows) {
    t[r.status]++;
    if (r.status === 'done') { t.frames += r.frames; t.instances += r.instances; }
  }
  return t;
}
