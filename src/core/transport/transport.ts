import type { Frame, FrameResult, StreamEnd, StreamEvent, StreamInfo } from '../types.js';

/** What a worker receives for one frame: the frame's identity and its pixels. */
export interface FrameJob {
  streamId: string;
  seq: number;
  ptsMs: number;
  width: number;
  height: number;
  /** When the producer decoded it (ms since the epoch; the frame-latency metric's start). */
  decodedAtMs?: number;
}

/** A worker's per-frame function. Throwing fails the frame (retried, then an error result). */
export type FrameProcessor = (job: FrameJob, yuv: Uint8Array) => Promise<FrameResult>;

/** A composed item: a result in seq order with the frame it belongs to. */
export interface ComposeItem {
  result: FrameResult;
  /** The original frame's pixels; null when they were lost (expired key). */
  yuv: Uint8Array | null;
}

export interface ConsumerHandle {
  /** Stop taking frames; finish (or hand back) the ones in progress. */
  close(): Promise<void>;
  /** Frames being processed right now. */
  readonly active: number;
  /**
   * Stop at once, finishing nothing and waiting for no reply: a shutdown past its bound. Leased
   * frames are retried elsewhere once their lease lapses.
   */
  abandon(): void;
}

/** Where a resumed producer goes on: the next seq, and the last frame published before. */
export interface ResumePoint {
  nextSeq: number;
  /** PTS of the stream's first frame and of the last one published, and when that was (ms since the epoch). */
  firstPtsMs: number | null;
  lastPtsMs: number | null;
  lastWallMs: number | null;
}

/** What a compositor leaves of a stream it finished, once the stream's own keys are gone. */
export interface FinishedStream {
  frames: number;
  /** ISO 8601 time the compositor finished. */
  finishedAt: string;
  /** The annotated video it wrote (absolute path on the compositor's machine). */
  output: string;
}

/** What a compositor finds under a stream id. */
export type StreamLookup =
  | { state: 'open'; info: StreamInfo }
  | { state: 'finished'; finished: FinishedStream }
  | { state: 'unknown' };

export interface ConsumeOptions {
  /** Frames processed at once by this process (prefetch while the model runs). Default 2. */
  concurrency?: number;
  /** Called after each processed frame (for progress). */
  onProcessed?: (result: FrameResult) => void;
}

/**
 * Where frames meet workers and results meet the compositor. Two implementations: in-memory
 * (`segstream run`, one process) and Redis/BullMQ (any number of processes and machines). The
 * role loops in src/producer, src/worker and src/compositor only see this interface.
 */
export interface Transport {
  /**
   * True when a worker keeps its jobs only by renewing a lease from this process's event loop
   * (BullMQ locks). The worker then leaves that thread at normal priority: a niced thread on a
   * busy host can miss a renewal, and the job is stalled and run twice.
   */
  readonly leasesJobs: boolean;
  /**
   * True when a stream outlives the compositor's process (Redis): a compositor started again
   * resumes it, so each ack carries the result stages' state. False for the in-memory transport,
   * whose streams end with the process.
   */
  readonly outlivesCompositor: boolean;

  // ── producer side ──
  /**
   * Registers a stream before its first frame. Fails if the stream id is in use; a finished
   * stream's id may be produced again (its finished record goes).
   */
  openStream(info: StreamInfo): Promise<void>;
  /**
   * Stores one frame and queues it for a worker. Waits while the stream already has its
   * maximum of frames in flight (published but not yet composed): that is the back-pressure.
   */
  publishFrame(frame: Frame): Promise<void>;
  /**
   * Records an event of the stream's source (lost, back). Published before the frame with seq
   * `event.atSeq`, so a compositor holding result `seq` has every event with atSeq <= seq.
   */
  publishEvent(event: StreamEvent): Promise<void>;
  /**
   * A producer started again on a stream it had not ended (it died): continues it, or throws when
   * it cannot (unknown, ended, or its producer is still alive). Returns where it goes on from.
   */
  resumeStream(info: StreamInfo): Promise<ResumePoint>;
  /** The producer is alive: its heartbeat lapses `ttlMs` after the last call. */
  heartbeat(streamId: string, ttlMs: number): Promise<void>;
  /** Marks the end of a stream: no frame with seq >= end.frames will come. */
  endStream(streamId: string, end: StreamEnd): Promise<void>;

  // ── worker side ──
  consume(processor: FrameProcessor, options?: ConsumeOptions): Promise<ConsumerHandle>;

  // ── compositor side ──
  /**
   * Waits up to `timeoutMs` (default 0: look once) for the stream to be registered (the producer
   * may start later). Returns at once when it is open or already finished; 'unknown' when the
   * time ran out.
   */
  lookupStream(streamId: string, timeoutMs?: number): Promise<StreamLookup>;
  /** Results of one stream in seq order, each exactly once, with their frames. Ends after the last. */
  results(streamId: string): AsyncIterable<ComposeItem>;
  /** The stream's events in the order published, from the `from`-th on (default 0). */
  streamEvents(streamId: string, from?: number): Promise<StreamEvent[]>;
  /** False once the producer's heartbeat has lapsed (it died without ending its stream). */
  producerAlive(streamId: string): Promise<boolean>;
  /** The stream's end record, once the producer has written it. */
  streamEnd(streamId: string): Promise<StreamEnd | null>;
  /**
   * Frames of the stream composed so far (acked in seq order), which is the seq a compositor that
   * starts now resumes from: 0 for a new stream.
   */
  composedCount(streamId: string): Promise<number>;
  /**
   * The compositor is done with this seq: free its frame and a slot of back-pressure. `state`
   * (the result stages' state after this frame, JSON) is stored with the composed count, in the
   * same step, so a compositor that resumes at seq + 1 resumes from it.
   */
  ack(streamId: string, seq: number, state?: string): Promise<void>;
  /** The `state` the last ack stored; null when none did. */
  composedState(streamId: string): Promise<string | null>;
  /**
   * The compositor wrote the whole stream: removes its keys and leaves `record` (for the Redis
   * transport, as long as stream keys live: 7 days) so that a later compositor is told it is done.
   */
  finishStream(streamId: string, record: FinishedStream): Promise<void>;
  /** Removes every trace of a stream, its finished record included. */
  dropStream(streamId: string): Promise<void>;

  close(): Promise<void>;
  /** Drops every connection at once, waiting for no reply (a shutdown past its bound). */
  abandon(): void;
}

/** Options shared by both transports. */
export interface TransportOptions {
  /**
   * Frames per stream published but not yet composed before the producer waits.
   * @defaultValue 16 for a file, {@link DEFAULT_LIVE_MAX_IN_FLIGHT} for a live source
   */
  maxInFlight?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 16;

/**
 * A live source that the pipeline cannot keep up with drops its oldest frames at the decoder, so
 * a frame in flight waits for all those ahead of it: latency ≈ frames in flight / rate. Four keep
 * the worker busy and a late frame under a second old (bench/live-latency.ts: 4 cameras on 2 cores,
 * p50 latency 0.88 s and 0.977 of the file rate with 4, against 2.9 s and 0.906 with 16).
 */
export const DEFAULT_LIVE_MAX_IN_FLIGHT = 4;

/** The in-flight bound of one stream: the one asked for, else the default of its kind of source. */
export function inFlightLimit(asked: number | undefined, info: Pick<StreamInfo, 'live'>): number {
  return asked ?? (info.live ? DEFAULT_LIVE_MAX_IN_FLIGHT : DEFAULT_MAX_IN_FLIGHT);
}

/** A producer says it is alive this often; a compositor takes it for dead once that lapses. */
export const HEARTBEAT_EVERY_MS = 2000;
export const HEARTBEAT_TTL_MS = 10_000;

/** Stream ids end up in Redis keys and job ids: keep them to a safe alphabet. Null when `id` is fine. */
export function streamIdProblem(id: string): string | null {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? null : `invalid stream id '${id}': use 1-64 letters, digits, '_' or '-'`;
}

export function assertStreamId(id: string): void {
  const problem = streamIdProblem(id);
  if (problem) throw new Error(problem);
}
