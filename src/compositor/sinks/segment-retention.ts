import { rmSync } from 'node:fs';
import type { Logger } from '../../core/log.js';
import type { SegmentIndex } from './segment-index.js';

export interface RetentionLimits {
  /** Delete segments that ended more than this many hours ago. @defaultValue no limit */
  keepHours?: number;
  /** Delete the oldest segments while all of them together hold more than this (GB = 10^9 bytes). @defaultValue no limit */
  keepGb?: number;
}

/**
 * Deletes the oldest finished segments of a stream (video, JSONL and track files) past either limit, logging
 * each one. Only finished segments are in the index: the one being written is never touched.
 * Returns the indexes deleted.
 */
export function applyRetention(index: SegmentIndex, limits: RetentionLimits, log: Logger, nowMs = Date.now()): number[] {
  if (limits.keepHours === undefined && limits.keepGb === undefined) return [];
  const segs = index.segments();
  let bytes = segs.reduce((n, s) => n + s.bytes, 0);
  const deleted: number[] = [];
  for (const s of segs) {
    const endMs = Date.parse(s.start) + s.durationMs;
    const tooOld = limits.keepHours !== undefined && nowMs - endMs > limits.keepHours * 3600_000;
    const tooBig = limits.keepGb !== undefined && bytes > limits.keepGb * 1e9;
    if (!tooOld && !tooBig) break; // oldest first: the rest are newer and, summed, smaller
    rmSync(s.video, { force: true });
    rmSync(s.results, { force: true });
    for (const f of s.files ?? []) rmSync(f, { force: true });
    index.deleted(s.index);
    bytes -= s.bytes;
    deleted.push(s.index);
    log.info(`retention: deleted segment ${s.index} (${s.video}): ${tooOld ? `older than ${limits.keepHours} h` : `the stream's segments exceeded ${limits.keepGb} GB`}`, { segment: s.index, bytes: s.bytes });
  }
  return deleted;
}
