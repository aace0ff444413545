import { rleCountsFromString, rleCountsToString } from '../rle.js';
import type { FrameResult, StreamEvent } from '../types.js';
import { AtomicTextWriter } from './atomic-text-writer.js';

/**
 * One JSON object per frame, in seq order:
 * `{"streamId","seq","ptsMs","width","height","instances":[{"classId","label","score","box","mask":{"size","counts"},"trackId"?}]}`
 * Masks are COCO RLE with `counts` as pycocotools' compressed string; boxes are xyxy frame pixels.
 * A semantic model's map adds `"semantic":[{"classId","label","pixels","mask":{"size","counts"}}]`:
 * one frame-size mask per class present, ascending classId (instances stay `[]` unless an
 * instance model ran too: panoptic).
 * A frame that failed carries `"error"` and no instances. Source events (a live source lost and
 * back) are lines of their own between the frames, told apart by their `"event"` key (see
 * {@link toJsonEventLine}).
 *
 * The lines go to a hidden file beside `path` ({@link AtomicFile}); the file appears under its name
 * on {@link commit} (or {@link close}), and {@link abort} removes it, leaving an old file as it was.
 */
export class JsonlWriter {
  private readonly out: AtomicTextWriter;

  constructor(readonly path: string) {
    this.out = new AtomicTextWriter(path);
  }

  async write(result: FrameResult): Promise<void> {
    await this.out.write(JSON.stringify(toJsonLine(result)) + '\n');
  }

  async writeEvent(event: StreamEvent): Promise<void> {
    await this.out.write(JSON.stringify(toJsonEventLine(event)) + '\n');
  }

  /** Flushes and closes the hidden file; the target is not touched yet. */
  finish(): Promise<void> {
    return this.out.finish();
  }

  /** Renames the finished file over the target. */
  commit(): void {
    this.out.commit();
  }

  /** {@link finish} then {@link commit}; on failure nothing is left under either name. */
  close(): Promise<void> {
    return this.out.close();
  }

  /** Drops what was written; an existing target stays as it was. Idempotent. */
  abort(): void {
    this.out.abort();
  }
}

export function toJsonLine(r: FrameResult): Record<string, unknown> {
  return {
    streamId: r.streamId,
    seq: r.seq,
    ptsMs: round(r.ptsMs, 3),
    width: r.width,
    height: r.height,
    instances: r.instances.map((i) => ({
      classId: i.classId,
      label: i.label,
      score: round(i.score, 4),
      box: i.box.map((v) => round(v, 2)),
      mask: { size: i.mask.size, counts: rleCountsToString(i.mask.counts) },
      ...(i.trackId !== undefined ? { trackId: i.trackId } : {}),
    })),
    ...(r.semantic
      ? { semantic: r.semantic.map((c) => ({ classId: c.classId, label: c.label, pixels: c.pixels, mask: { size: c.mask.size, counts: rleCountsToString(c.mask.counts) } })) }
      : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

/**
 * A frame line of the JSONL back as a result (masks decoded from their compressed counts), or
 * null for an event line: what a recovered segment's track files are made again from.
 */
export function frameFromJsonLine(o: Record<string, unknown>): FrameResult | null {
  if (typeof o.seq !== 'number' || 'event' in o) return null;
  type Line = { classId: number; label: string; score: number; box: FrameResult['instances'][number]['box']; mask: { size: [number, number]; counts: string }; trackId?: number };
  return {
    streamId: String(o.streamId), seq: o.seq, ptsMs: Number(o.ptsMs), width: Number(o.width), height: Number(o.height),
    instances: ((o.instances ?? []) as Line[]).map((i) => ({
      classId: i.classId, label: i.label, score: i.score, box: i.box, mask: { size: i.mask.size, counts: rleCountsFromString(i.mask.counts) },
      ...(i.trackId !== undefined ? { trackId: i.trackId } : {}),
    })),
    ...(typeof o.error === 'string' ? { error: o.error } : {}),
  };
}

/**
 * `{"event":"source-lost"|"source-back","streamId","atSeq","ptsMs","wallClock",...}`: before the
 * frame line with seq `atSeq` (or at the end); `reason` on source-lost, `gapMs` and `attempts` on
 * source-back.
 */
export function toJsonEventLine(e: StreamEvent): Record<string, unknown> {
  return {
    event: e.kind,
    streamId: e.streamId,
    atSeq: e.atSeq,
    ptsMs: e.ptsMs === null ? null : round(e.ptsMs, 3),
    wallClock: e.wallClock,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.gapMs !== undefined ? { gapMs: round(e.gapMs, 3) } : {}),
    ...(e.attempts !== undefined ? { attempts: e.attempts } : {}),
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
