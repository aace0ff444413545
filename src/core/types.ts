/**
 * The one currency between stages. Model adapters produce {@link Instance}s and/or a semantic map
 * ({@link SemanticRegion}s); the renderer, the result writers and `eval` consume them without
 * knowing which model family made them.
 */

/** Axis-aligned box in frame pixels, [x1, y1, x2, y2] (x2/y2 exclusive edges, floats). */
export type BoxXYXY = [number, number, number, number];

/**
 * COCO run-length encoding, pycocotools-compatible: column-major (Fortran order), the first run
 * counts zeros. `counts` is the uncompressed list of run lengths.
 */
export interface Rle {
  size: [height: number, width: number];
  counts: number[];
}

export interface Instance {
  classId: number;
  label: string;
  score: number;
  box: BoxXYXY;
  /** Binary mask of the whole frame, RLE-encoded. */
  mask: Rle;
  trackId?: number;
}

/**
 * One class of a semantic segmentation map: every pixel of the frame the model gave this class.
 * A frame's map lists only the classes present, ascending by classId; their masks are disjoint
 * and together cover the frame (background included, when the model has a background class).
 */
export interface SemanticRegion {
  classId: number;
  label: string;
  /** Number of pixels of the class (the mask's area). */
  pixels: number;
  /** Frame-size binary mask, RLE-encoded. */
  mask: Rle;
}

/** A decoded frame. `yuv` is I420 (src/core/yuv420.ts): `yuv420Size(width, height)` bytes. */
export interface Frame {
  streamId: string;
  seq: number;
  /** Presentation time from the source, in milliseconds (may be fractional). */
  ptsMs: number;
  width: number;
  height: number;
  yuv: Uint8Array;
  /**
   * Called once when the transport no longer needs `yuv` (the memory transport after the
   * compositor's ack, Redis once the bytes are stored), so the buffer can be reused.
   */
  release?: () => void;
  /** Wall clock (ms since the epoch) when ffmpeg handed the frame over: frame latency starts here. */
  decodedAtMs?: number;
}

/** What a worker hands back for one frame. Small: no pixels, masks as RLE. */
export interface FrameResult {
  streamId: string;
  seq: number;
  ptsMs: number;
  width: number;
  height: number;
  instances: Instance[];
  /** The semantic map, when a semantic model ran on the frame (`--task semantic`, `--semantic-model`). */
  semantic?: SemanticRegion[];
  /** Set when the frame could not be processed; the stream goes on without it. */
  error?: string;
  /** Milliseconds spent in the model (session.run) for this frame. */
  inferMs?: number;
  /**
   * Set by a worker that kept detections below the user's --score for the tracker (its low
   * threshold): the compositor draws and writes only instances scoring at least this.
   */
  displayScore?: number;
  /** Carried over from the frame's job: when it was decoded (ms since the epoch; frame latency). */
  decodedAtMs?: number;
}

/** What the producer learns about a source before/while decoding it. */
export interface StreamInfo {
  streamId: string;
  /** The input as given: a path or URL. */
  source: string;
  width: number;
  height: number;
  /** Frame rate: the producer's --fps when it resamples, else the container's nominal rate (display/ETA only; timing uses PTS). */
  fps: number | null;
  /** Container duration in ms when known (files), null for live sources. */
  durationMs: number | null;
  /** True when the source carries an audio track the compositor can copy. */
  hasAudio: boolean;
  audioCodec: string | null;
  live: boolean;
  /** When the producer opened the stream (ISO 8601): the wall-clock time of PTS 0, near enough. */
  startedAt?: string;
}

/** Written once a stream's producer has decoded its last frame. */
export interface StreamEnd {
  /** Number of frames published (seq runs 0..frames-1). */
  frames: number;
  firstPtsMs: number | null;
  lastPtsMs: number | null;
  /** Why decoding stopped early, if it did (truncated file, network error). */
  error?: string;
  /** Live sources: times the source was lost and came back (each one a source-lost/back event pair). */
  reconnects?: number;
  /** Live sources: frames decoded but dropped because the pipeline was behind. */
  dropped?: number;
  /** Live sources: frames dropped because their timestamp went backwards (before RTCP sync). */
  misTimed?: number;
}

/**
 * Something that happened to a stream's source between two frames: a live source lost, and back.
 * It belongs before the frame with seq `atSeq` (or after the last frame, if none came after it).
 */
export interface StreamEvent {
  streamId: string;
  kind: 'source-lost' | 'source-back';
  /** Seq of the next frame: the one this event comes before. */
  atSeq: number;
  /** source-lost: PTS of the last frame before the outage; source-back: of the first frame after it. */
  ptsMs: number | null;
  /** When it happened (ISO 8601, UTC): lost when it was noticed, back when the first frame came. */
  wallClock: string;
  /** source-lost: why (the decoder's error, or that the source ended). */
  reason?: string;
  /** source-back: ms from the last frame before the outage to the first one after it. */
  gapMs?: number;
  /** source-back: connection attempts it took. */
  attempts?: number;
}
