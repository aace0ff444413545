import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { freeName } from '../../core/results/free-name.js';
import { VideoEncoder, type EncoderOptions } from '../../core/media/video-encoder.js';
import type { Logger } from '../../core/log.js';
import type { SegmentIndex, SegmentRecord } from './segment-index.js';
import { withExt } from './segment-namer.js';
import { dropTrackFiles, recoverTrackFiles } from './segment-track-recovery.js';

/** How long to wait for a killed compositor's ffmpeg to drain its pipe and exit. */
const ENCODER_EXIT_WAIT_MS = 15_000;

/**
 * A compositor was killed while writing a segment: its raw H.264 and JSONL lines are still there.
 * Keeps the frames it had acked (seq < resumeSeq: the ones the transport will not hand out again)
 * in `NAME.recovered.mp4` + `NAME.recovered.jsonl` (and its track files, `NAME.recovered.EXT`), and
 * drops the rest, which this compositor writes again. Returns the recovered segment, or null when there was none (or nothing acked).
 */
export async function recoverSegment(
  index: SegmentIndex, resumeSeq: number, encoderOpts: EncoderOptions, frameMs: number, log: Logger,
): Promise<SegmentRecord | null> {
  const cur = index.current();
  if (!cur) return null;
  if (cur.encoderPid !== null) await waitForExit(cur.encoderPid, ENCODER_EXIT_WAIT_MS);
  const lines = existsSync(cur.lines) ? readFileSync(cur.lines, 'utf8').split('\n') : [];
  const kept: string[] = [];
  const pts: number[] = [];
  for (const line of lines) {
    let o: { seq?: number; atSeq?: number; ptsMs?: number };
    try { o = JSON.parse(line); } catch { continue; } // empty, or cut by the kill
    const seq = o.seq ?? o.atSeq ?? Infinity;
    if (seq >= resumeSeq) continue;
    kept.push(line);
    if (o.seq !== undefined && typeof o.ptsMs === 'number') pts.push(o.ptsMs);
  }
  const acked = resumeSeq - cur.firstSeq;
  if (acked <= 0 || !existsSync(cur.raw)) {
    if (acked > 0 && existsSync(cur.video)) {
      // Killed after the MP4 was in place, before its bookkeeping: finish that.
      if (existsSync(cur.lines)) renameSync(cur.lines, cur.results);
      const jsonl = existsSync(cur.results) ? readFileSync(cur.results, 'utf8').split('\n') : [];
      const files = recoverTrackFiles(cur.files ?? [], cur.video, cur.firstSeq, resumeSeq, jsonl);
      const rec: SegmentRecord = {
        index: cur.index, video: cur.video, results: cur.results, firstSeq: cur.firstSeq, frames: acked, start: cur.start, durationMs: 0,
        bytes: statSync(cur.video).size, ...(files.length ? { files } : {}),
      };
      index.added(rec);
      index.setCurrent(null);
      return rec;
    }
    if (acked > 0) log.warn(`segment ${cur.index} of a killed compositor lost its video (${cur.raw} is gone): frames ${cur.firstSeq}-${resumeSeq - 1} are only in its JSONL`);
    rmSync(cur.raw, { force: true });
    if (acked <= 0) { rmSync(cur.lines, { force: true }); dropTrackFiles(cur.files ?? []); }
    index.setCurrent(null);
    return null;
  }
  const exts = ['.jsonl', ...(cur.files ?? []).map((f) => f.ext)];
  const video = freeName(withExt(cur.video, '.mp4', '.recovered'), exts.map((e) => (v: string) => withExt(v, e)));
  const results = withExt(video, '.jsonl');
  const first = pts[0] ?? null;
  const last = pts.at(-1) ?? null;
  const r = await VideoEncoder.fromRaw(cur.raw, video, { ...encoderOpts, audio: encoderOpts.audio && { ...encoderOpts.audio, startMs: first ?? 0 } }, acked,
    { frames: acked, firstPtsMs: first, lastPtsMs: last, sourceDurationMs: frameMs });
  if (r.frames < acked) log.warn(`segment ${cur.index}: the killed compositor's encoder had ${r.frames} of its ${acked} written frames; frames ${cur.firstSeq + r.frames}-${resumeSeq - 1} are only in its JSONL`);
  const tmp = `${results}.${process.pid}.tmp`;
  writeFileSync(tmp, kept.map((l) => l + '\n').join(''));
  renameSync(tmp, results);
  rmSync(cur.lines, { force: true });
  const files = recoverTrackFiles(cur.files ?? [], video, cur.firstSeq, resumeSeq, kept);
  const rec: SegmentRecord = {
    index: cur.index, video, results, firstSeq: cur.firstSeq, frames: r.frames, start: cur.start, durationMs: r.durationMs,
    bytes: r.bytes + [results, ...files].reduce((n, f) => n + statSync(f).size, 0), recovered: true, ...(files.length ? { files } : {}),
  };
  index.added(rec);
  index.setCurrent(null);
  log.warn(`recovered segment ${cur.index} of a killed compositor: ${video} (${r.frames} frames, seq ${cur.firstSeq}-${cur.firstSeq + r.frames - 1})`, { segment: cur.index, frames: r.frames });
  return rec;
}

async function waitForExit(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try { process.kill(pid, 0); } catch { return; }
    await new Promise((r) => setTimeout(r, 50));
  }
}
