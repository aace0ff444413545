import type { Frame, FrameResult, StreamEnd, StreamEvent, StreamInfo } from '../types.js';
import {
  assertStreamId,
  inFlightLimit,
  type ComposeItem,
  type ConsumeOptions,
  type ConsumerHandle,
  type FrameJob,
  type FinishedStream,
  type FrameProcessor,
  type ResumePoint,
  type StreamLookup,
  type Transport,
  type TransportOptions,
} from './transport.js';

/** A promise with its resolve exposed: the one wake-up primitive used below. */
class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> { return new Promise((r) => this.waiters.push(r)); }
  notify(): void { const w = this.waiters; this.waiters = []; for (const r of w) r(); }
}

interface StreamState {
  info: StreamInfo;
  frames: Map<number, Frame>;
  results: Map<number, FrameResult>;
  end: StreamEnd | null;
  events: StreamEvent[];
  /** Published minus acked. */
  inFlight: number;
  /** Frames acked so far. */
  composed: number;
  /** The state the last ack stored. */
  composedState: string | null;
  /** When the producer's heartbeat lapses (ms since the epoch); null before its first. */
  heartbeatUntil: number | null;
  published: number;
  firstPtsMs: number | null;
  last: { ptsMs: number; wallMs: number } | null;
  capacity: Signal;
  arrived: Signal;
}

/**
 * In-process transport for `segstream run`: same contract as Redis, no serialisation. Frames are
 * held by reference, so the compositor draws on the very buffer the producer decoded.
 */
export class MemoryTransport implements Transport {
  readonly leasesJobs = false;
  readonly outlivesCompositor = false;
  private readonly streams = new Map<string, StreamState>();
  private readonly finished = new Map<string, FinishedStream>();
  /**
   * Queued jobs per stream, and the streams with jobs in the order they get their next turn: a
   * worker takes one job from each stream in rotation, so a file that publishes as fast as it can
   * never makes a live camera's frames wait behind its whole in-flight window.
   */
  private readonly jobs = new Map<string, FrameJob[]>();
  private readonly turns: string[] = [];
  private readonly jobArrived = new Signal();
  private readonly streamOpened = new Signal();
  private readonly maxInFlight: number | undefined;
  private closed = false;

  constructor(opts: TransportOptions = {}) {
    this.maxInFlight = opts.maxInFlight;
  }

  async openStream(info: StreamInfo): Promise<void> {
    assertStreamId(info.streamId);
    if (this.streams.has(info.streamId)) throw new Error(`stream '${info.streamId}' already exists`);
    this.finished.delete(info.streamId);
    this.streams.set(info.streamId, {
      info, frames: new Map(), results: new Map(), end: null, events: [], inFlight: 0, composed: 0, composedState: null, heartbeatUntil: null, published: 0, firstPtsMs: null, last: null, capacity: new Signal(), arrived: new Signal(),
    });
    this.streamOpened.notify();
  }

  async publishFrame(frame: Frame): Promise<void> {
    const s = this.stream(frame.streamId);
    while (s.inFlight >= inFlightLimit(this.maxInFlight, s.info) && !this.closed && this.streams.get(frame.streamId) === s) await s.capacity.wait();
    // Dropped while it waited (its compositor failed): nobody will take the frame.
    if (this.streams.get(frame.streamId) !== s) throw new Error(`stream '${frame.streamId}' was dropped`);
    s.inFlight++;
    s.published = frame.seq + 1;
    s.firstPtsMs ??= frame.ptsMs;
    s.last = { ptsMs: frame.ptsMs, wallMs: Date.now() };
    s.frames.set(frame.seq, frame);
    this.queueJob({ streamId: frame.streamId, seq: frame.seq, ptsMs: frame.ptsMs, width: frame.width, height: frame.height, ...(frame.decodedAtMs !== undefined ? { decodedAtMs: frame.decodedAtMs } : {}) });
    this.jobArrived.notify();
  }

  private queueJob(job: FrameJob): void {
    const queue = this.jobs.get(job.streamId);
    if (queue) { queue.push(job); return; }
    this.jobs.set(job.streamId, [job]);
    this.turns.push(job.streamId);
  }

  /** The next job, round-robin over the streams that have one. */
  private takeJob(): FrameJob | undefined {
    const streamId = this.turns.shift();
    if (streamId === undefined) return undefined;
    const queue = this.jobs.get(streamId)!;
    const job = queue.shift()!;
    if (queue.length) this.turns.push(streamId);
    else this.jobs.delete(streamId);
    return job;
  }

  async resumeStream(info: StreamInfo): Promise<ResumePoint> {
    const s = this.streams.get(info.streamId);
    if (!s) throw new Error(`stream '${info.streamId}' cannot be resumed: it is unknown`);
    if (s.end) throw new Error(`stream '${info.streamId}' already ended: it cannot be resumed`);
    if (s.heartbeatUntil !== null && s.heartbeatUntil > Date.now()) throw new Error(`stream '${info.streamId}' is being produced by a live producer (its heartbeat is fresh)`);
    return { nextSeq: s.published, firstPtsMs: s.firstPtsMs, lastPtsMs: s.last?.ptsMs ?? null, lastWallMs: s.last?.wallMs ?? null };
  }

  async heartbeat(streamId: string, ttlMs: number): Promise<void> {
    this.stream(streamId).heartbeatUntil = Date.now() + ttlMs;
  }

  async producerAlive(streamId: string): Promise<boolean> {
    const until = this.streams.get(streamId)?.heartbeatUntil;
    return until === null || until === undefined || until > Date.now();
  }

  async publishEvent(event: StreamEvent): Promise<void> {
    this.stream(event.streamId).events.push(event);
  }

  async endStream(streamId: string, end: StreamEnd): Promise<void> {
    const s = this.stream(streamId);
    s.end = end;
    s.arrived.notify();
  }

  async consume(processor: FrameProcessor, options: ConsumeOptions = {}): Promise<ConsumerHandle> {
    const concurrency = options.concurrency ?? 2;
    let stopping = false;
    let abandoned = false;
    let active = 0;
    const loop = async (): Promise<void> => {
      while (!stopping && !this.closed) {
        const job = this.takeJob();
        if (!job) { await this.jobArrived.wait(); continue; }
        const s = this.streams.get(job.streamId);
        const frame = s?.frames.get(job.seq);
        if (!s || !frame) continue;
        let result: FrameResult;
        active++;
        try {
          result = await processor(job, frame.yuv);
        } catch (err) {
          // No retry in memory: nothing else could take the frame; record why and move on.
          result = { ...job, instances: [], error: (err as Error).message };
        } finally {
          active--;
        }
        if (abandoned) return; // nobody waits for it any more
        s.results.set(job.seq, result);
        options.onProcessed?.(result);
        s.arrived.notify();
      }
    };
    const loops = Array.from({ length: concurrency }, loop);
    return {
      close: async () => {
        stopping = true;
        this.jobArrived.notify();
        await Promise.all(loops);
      },
      get active() { return active; },
      abandon: () => {
        stopping = abandoned = true;
        this.jobArrived.notify();
      },
    };
  }

  async lookupStream(streamId: string, timeoutMs = 0): Promise<StreamLookup> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.streams.get(streamId);
      if (s) return { state: 'open', info: s.info };
      const finished = this.finished.get(streamId);
      if (finished) return { state: 'finished', finished };
      if (this.closed || Date.now() >= deadline) return { state: 'unknown' };
      await Promise.race([this.streamOpened.wait(), sleep(Math.max(1, deadline - Date.now()))]);
    }
  }

  async *results(streamId: string): AsyncIterable<ComposeItem> {
    const s = this.stream(streamId);
    let next = 0;
    for (;;) {
      const r = s.results.get(next);
      if (r) {
        yield { result: r, yuv: s.frames.get(next)?.yuv ?? null };
        next++;
        continue;
      }
      if (s.end && next >= s.end.frames) return;
      if (this.closed) return;
      await s.arrived.wait();
    }
  }

  async streamEvents(streamId: string, from = 0): Promise<StreamEvent[]> {
    return this.stream(streamId).events.slice(from);
  }

  async streamEnd(streamId: string): Promise<StreamEnd | null> {
    return this.streams.get(streamId)?.end ?? null;
  }

  async composedCount(streamId: string): Promise<number> {
    return this.streams.get(streamId)?.composed ?? 0;
  }

  async composedState(streamId: string): Promise<string | null> {
    return this.streams.get(streamId)?.composedState ?? null;
  }

  async ack(streamId: string, seq: number, state?: string): Promise<void> {
    const s = this.stream(streamId);
    if (state !== undefined) s.composedState = state;
    const frame = s.frames.get(seq);
    s.frames.delete(seq);
    s.results.delete(seq);
    frame?.release?.();
    s.inFlight--;
    s.composed++;
    s.capacity.notify();
  }

  async finishStream(streamId: string, record: FinishedStream): Promise<void> {
    this.streams.delete(streamId);
    this.finished.set(streamId, record);
  }

  async dropStream(streamId: string): Promise<void> {
    assertStreamId(streamId);
    const s = this.streams.get(streamId);
    this.streams.delete(streamId);
    this.finished.delete(streamId);
    // A producer waiting for capacity, a compositor waiting for results: both wake and find it gone.
    s?.capacity.notify();
    s?.arrived.notify();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.jobArrived.notify();
    this.streamOpened.notify();
    for (const s of this.streams.values()) { s.capacity.notify(); s.arrived.notify(); }
  }

  /** Nothing here waits on a reply: abandoning is closing. */
  abandon(): void {
    void this.close();
  }

  private stream(id: string): StreamState {
    const s = this.streams.get(id);
    if (!s) throw new Error(`unknown stream '${id}'`);
    return s;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
