import type { FrameResult, StreamEnd, StreamEvent, StreamInfo } from '../../core/types.js';

/** One composed frame: its result and its pixels, already drawn on. */
export interface SinkFrame {
  result: FrameResult;
  yuv: Uint8Array;
  /** What the result stages reported at this frame (zone entries, line crossings). */
  stageEvents?: readonly object[];
}

/** How the stream ended for the sinks. */
export interface SinkEnd {
  /** The producer's end record; null when the compositor was stopped before the stream ended. */
  end: StreamEnd | null;
  /** Frames written to every sink. */
  frames: number;
  /** Source PTS of the first and last frame written, in ms. */
  firstPtsMs: number | null;
  lastPtsMs: number | null;
}

/**
 * Where composed frames go (an MP4, JSONL, COCO, a segmented recording). Every sink writes under
 * hidden names and never over an existing file; `close` leaves its files finished (still hidden
 * unless the sink renames itself, as the video does), `commit` renames them into place, `abort`
 * leaves nothing of its own behind.
 */
export interface Sink {
  /** The stream is known: open files (or defer that to the first frame). */
  open(info: StreamInfo): Promise<void>;
  write(frame: SinkFrame): Promise<void>;
  /** A source event (lost/back), in its place among the frames. */
  event(e: StreamEvent): Promise<void>;
  /**
   * Segmenting sinks: finish the segment in progress now (its producer is gone); the next frame
   * starts a new one. Others ignore it.
   */
  finalize?(): Promise<void>;
  /** Finishes the files; a sink with no frames throws (nothing to keep). */
  close(end: SinkEnd): Promise<void>;
  /** Renames what `close` finished into place (a no-op for sinks that commit in close). */
  commit(): void;
  /** Drops what this run wrote; an existing file stays as it was. Idempotent. */
  abort(): void;
}
