import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Cluster } from 'ioredis';
import { hostname } from 'node:os';
import type { Frame, FrameResult, StreamEnd, StreamEvent, StreamInfo } from '../types.js';
import { log } from '../log.js';
import { yuv420Size } from '../yuv420.js';
import { connectRedis, duplicateBlocking, redactUrl, type RedisClient } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { sleep } from './memory-transport.js';
import {
  assertStreamId,
  inFlightLimit,
  type ComposeItem,
  type ConsumeOptions,
  type ConsumerHandle,
  type FinishedStream,
  type FrameJob,
  type FrameProcessor,
  type ResumePoint,
  type StreamLookup,
  type Transport,
  type TransportOptions,
} from './transport.js';

export interface RedisTransportOptions extends TransportOptions {
  /** redis://[user:pass@]host:port[/db], rediss://…, or redis+cluster://h1:p1,h2:p2 (see parseRedisUrl). */
  url: string;
  /** Deployment key prefix, `{name}` or `name` (see RedisKeys for the layout). Default '{segstream}'. */
  prefix?: string;
  /** BullMQ queue name shared by all streams. Default 'frames'. */
  queueName?: string;
  /** Frame bytes expire after this, a safety net for abandoned streams. Default 600 000 ms. */
  frameTtlMs?: number;
  /** BullMQ job lock; a worker that dies loses its job after this. Default 30 000 ms. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. Default: lockDurationMs. */
  stalledIntervalMs?: number;
  /** Tries per frame before it gets an error result. Default 3. */
  attempts?: number;
  /** Compositor: after this long without the next seq, ask BullMQ what became of it. Default 5000 ms. */
  stuckCheckMs?: number;
  /** Stream meta/end/results keys, and a finished stream's record, expire after this. Default 7 days. */
  streamTtlMs?: number;
  /** Fail commands at once while Redis is unreachable instead of queueing them (producers). Default false. */
  failFast?: boolean;
}

const PUBLISH_POLL_MS = 15;

/**
 * Frames through Redis: bytes under their own keys with a TTL (never inside job data, which
 * BullMQ stores as JSON), a BullMQ job per frame carrying only its identity, results in a hash
 * keyed by seq (a retried job overwrites its own entry: idempotent), and a list of finished seqs
 * that wakes the compositor.
 */
export class RedisTransport implements Transport {
  readonly leasesJobs = true;
  readonly outlivesCompositor = true;
  readonly keys: RedisKeys;
  private readonly maxInFlight: number | undefined;
  /** Each stream's in-flight bound (its kind of source decides the default), set when it is opened or resumed. */
  private readonly limits = new Map<string, number>();
  private readonly frameTtlMs: number;
  private readonly streamTtlMs: number;
  private readonly attempts: number;
  private queue: Queue | null = null;
  private readonly connections: RedisClient[] = [];
  /** Producer side: last composed count read from Redis, per stream (saves a GET per frame). */
  private readonly composedSeen = new Map<string, number>();
  private closed = false;

  private constructor(private readonly redis: RedisClient, private readonly opts: RedisTransportOptions) {
    this.keys = new RedisKeys(opts.prefix);
    this.maxInFlight = opts.maxInFlight;
    this.frameTtlMs = opts.frameTtlMs ?? 600_000;
    this.streamTtlMs = opts.streamTtlMs ?? 7 * 24 * 3600_000;
    this.attempts = opts.attempts ?? 3;
    this.connections.push(redis);
  }

  static async connect(opts: RedisTransportOptions): Promise<RedisTransport> {
    new RedisKeys(opts.prefix); // a bad prefix fails before any connection is made
    const redis = await connectRedis(opts.url, { blocking: !opts.failFast });
    const t = new RedisTransport(redis, opts);
    await t.checkEvictionPolicy();
    return t;
  }

  private get queueName(): string { return this.opts.queueName ?? 'frames'; }

  private getQueue(): Queue {
    if (this.queue) return this.queue;
    this.queue = new Queue(this.queueName, {
      connection: this.redis,
      prefix: this.keys.prefix,
      // BullMQ's event stream would otherwise grow to 10 000 entries over a long video.
      streams: { events: { maxLen: 200 } },
      defaultJobOptions: {
        attempts: this.attempts,
        backoff: { type: 'fixed', delay: 500 },
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
      },
    });
    // Unheard, BullMQ prints each failed reconnect with its stack trace.
    this.queue.on('error', (err) => log.warn('queue connection error', { error: err.message }));
    return this.queue;
  }

  private async checkEvictionPolicy(): Promise<void> {
    // On a Cluster each master has its own setting: ask them all.
    const nodes = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    await Promise.all(nodes.map(async (node) => {
      try {
        const [, policy] = (await node.config('GET', 'maxmemory-policy')) as string[];
        if (policy && policy !== 'noeviction') {
          const where = nodes.length > 1 ? ` on ${node.options.host}:${node.options.port}` : '';
          log.warn(`Redis maxmemory-policy is '${policy}'${where}: frames or jobs may be evicted; set it to 'noeviction'`);
        }
      } catch {
        // CONFIG is often disabled on managed Redis: nothing to check then.
      }
    }));
  }

  // ── producer ──

  async openStream(info: StreamInfo): Promise<void> {
    assertStreamId(info.streamId);
    this.droppedHere.delete(info.streamId);
    const ok = await this.redis.set(this.keys.meta(info.streamId), JSON.stringify(info), 'PX', this.streamTtlMs, 'NX');
    if (ok !== 'OK') {
      throw new Error(`stream '${info.streamId}' already exists in Redis (choose another --stream, or remove it with 'segstream drop --stream ${info.streamId}')`);
    }
    // A finished stream's id produced again is a new stream: its old record would turn compositors away.
    await this.redis.multi().set(this.keys.composed(info.streamId), '0', 'PX', this.streamTtlMs).del(this.keys.finished(info.streamId)).exec();
    this.composedSeen.set(info.streamId, 0);
    this.limits.set(info.streamId, inFlightLimit(this.maxInFlight, info));
  }

  async publishFrame(frame: Frame): Promise<void> {
    const id = frame.streamId;
    let composed = this.composedSeen.get(id) ?? 0;
    const limit = this.limits.get(id) ?? inFlightLimit(this.maxInFlight, { live: false });
    while (frame.seq - composed >= limit) {
      if (this.closed) throw new Error('transport closed');
      // Dropped by this process (its compositor failed in `run --redis`): nothing will free capacity.
      if (this.droppedHere.has(id)) throw new Error(`stream '${id}' was dropped`);
      await sleep(PUBLISH_POLL_MS);
      composed = Number(await this.redis.get(this.keys.composed(id))) || 0;
    }
    this.composedSeen.set(id, composed);
    const bytes = Buffer.from(frame.yuv.buffer, frame.yuv.byteOffset, frame.yuv.byteLength);
    await this.redis
      .multi()
      .set(this.keys.frame(id, frame.seq), bytes, 'PX', this.frameTtlMs)
      .set(this.keys.published(id), String(frame.seq + 1), 'PX', this.streamTtlMs)
      .set(this.keys.last(id), JSON.stringify({ seq: frame.seq, ptsMs: frame.ptsMs, firstPtsMs: this.firstPts(id, frame.ptsMs), wallMs: Date.now() }), 'PX', this.streamTtlMs)
      .exec();
    frame.release?.(); // the bytes are in Redis now
    const job: FrameJob = { streamId: id, seq: frame.seq, ptsMs: frame.ptsMs, width: frame.width, height: frame.height, ...(frame.decodedAtMs !== undefined ? { decodedAtMs: frame.decodedAtMs } : {}) };
    await this.getQueue().add('frame', job, { jobId: this.keys.jobId(id, frame.seq) });
  }

  private readonly firstPtsSeen = new Map<string, number>();
  private firstPts(id: string, ptsMs: number): number {
    if (!this.firstPtsSeen.has(id)) this.firstPtsSeen.set(id, ptsMs);
    return this.firstPtsSeen.get(id)!;
  }

  async resumeStream(info: StreamInfo): Promise<ResumePoint> {
    assertStreamId(info.streamId);
    const id = info.streamId;
    const [meta, end, hb, last, published] = await this.redis.mget(this.keys.meta(id), this.keys.end(id), this.keys.heartbeat(id), this.keys.last(id), this.keys.published(id));
    if (!meta) throw new Error(`stream '${id}' cannot be resumed: it is not in Redis`);
    if (end) throw new Error(`stream '${id}' already ended: it cannot be resumed (remove it with 'segstream drop --stream ${id}')`);
    if (hb) throw new Error(`stream '${id}' is being produced by a live producer (its heartbeat is fresh)`);
    const l = last ? (JSON.parse(last) as { ptsMs: number; firstPtsMs: number; wallMs: number }) : null;
    if (l) this.firstPtsSeen.set(id, l.firstPtsMs);
    const nextSeq = Number(published) || 0;
    this.composedSeen.set(id, Number(await this.redis.get(this.keys.composed(id))) || 0);
    this.limits.set(id, inFlightLimit(this.maxInFlight, info));
    // The stream's info stays the first producer's (its start time names the segments).
    return { nextSeq, firstPtsMs: l?.firstPtsMs ?? null, lastPtsMs: l?.ptsMs ?? null, lastWallMs: l?.wallMs ?? null };
  }

  async heartbeat(streamId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.heartbeat(streamId), String(Date.now()), 'PX', ttlMs);
  }

  async producerAlive(streamId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.heartbeat(streamId))) === 1;
  }

  async publishEvent(event: StreamEvent): Promise<void> {
    const key = this.keys.events(event.streamId);
    await this.redis.multi().rpush(key, JSON.stringify(event)).pexpire(key, this.streamTtlMs).exec();
  }

  async endStream(streamId: string, end: StreamEnd): Promise<void> {
    await this.redis.set(this.keys.end(streamId), JSON.stringify(end), 'PX', this.streamTtlMs);
    // Wake a compositor blocked on the done list so it notices the end promptly.
    await this.redis.rpush(this.keys.done(streamId), '-1');
  }

  // ── worker ──

  async consume(processor: FrameProcessor, options: ConsumeOptions = {}): Promise<ConsumerHandle> {
    // BullMQ workers need a connection that retries forever (maxRetriesPerRequest: null).
    const conn = duplicateBlocking(this.redis);
    conn.on('error', () => {});
    this.connections.push(conn);
    const lockDuration = this.opts.lockDurationMs ?? 30_000;
    let active = 0;
    let abandoned = false;
    const worker = new Worker(
      this.queueName,
      async (job: Job<FrameJob>) => {
        active++;
        try {
          const result = await this.processJob(job, processor);
          // Abandoned: settle nothing, store nothing; the job's lock lapses and it runs elsewhere.
          if (abandoned) return new Promise<never>(() => undefined);
          await this.storeResult(result, false);
          options.onProcessed?.(result);
          return { instances: result.instances.length };
        } finally {
          active--;
        }
      },
      {
        connection: conn,
        prefix: this.keys.prefix,
        // Shows which process holds a job (job.processedBy): what a stalled job's postmortem needs.
        name: `${hostname()}:${process.pid}`,
        concurrency: options.concurrency ?? 2,
        lockDuration,
        stalledInterval: this.opts.stalledIntervalMs ?? lockDuration,
        // A SIGKILLed worker stalls its job once; allow one more before giving up on the frame.
        maxStalledCount: 2,
      },
    );
    worker.on('error', (err) => log.warn('worker connection error', { error: err.message }));
    worker.on('failed', (job, err) => {
      if (!job) return;
      void this.recordFailure(job, err).catch((e) => log.warn('could not record failed frame', { error: (e as Error).message }));
    });
    await worker.waitUntilReady();
    return {
      close: () => worker.close(),
      get active() { return active; },
      abandon: () => {
        abandoned = true;
        // Force: BullMQ stops without waiting for active jobs; their locks lapse and another
        // worker's stalled check hands them out again. disconnect() waits for no reply, unlike quit().
        void worker.close(true).catch(() => undefined);
        conn.disconnect();
      },
    };
  }

  private async processJob(job: Job<FrameJob>, processor: FrameProcessor): Promise<FrameResult> {
    const f = job.data;
    const buf = await this.redis.getBuffer(this.keys.frame(f.streamId, f.seq));
    if (!buf) throw new UnrecoverableError(`frame ${f.streamId}#${f.seq}: pixels missing in Redis (expired or stream dropped)`);
    const expected = yuv420Size(f.width, f.height);
    if (buf.length !== expected) {
      throw new UnrecoverableError(`frame ${f.streamId}#${f.seq}: ${buf.length} bytes, expected ${expected} (${f.width}x${f.height} yuv420p)`);
    }
    return processor(f, new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
  }

  /** A frame that failed its last attempt still gets a result, so its stream goes on. */
  private async recordFailure(job: Job<FrameJob>, err: Error): Promise<void> {
    const state = await job.getState();
    if (state !== 'failed') return; // it will be retried
    const f = job.data;
    log.warn('frame failed', { stream: f.streamId, seq: f.seq, attempts: job.attemptsMade, error: err.message });
    await this.storeResult({ ...f, instances: [], error: err.message }, true);
  }

  private async storeResult(result: FrameResult, isError: boolean): Promise<void> {
    const key = this.keys.results(result.streamId);
    const json = JSON.stringify(result);
    const tx = this.redis.multi();
    // An error never overwrites a result another attempt already stored.
    if (isError) tx.hsetnx(key, String(result.seq), json);
    else tx.hset(key, String(result.seq), json);
    tx.pexpire(key, this.streamTtlMs).rpush(this.keys.done(result.streamId), String(result.seq)).pexpire(this.keys.done(result.streamId), this.streamTtlMs);
    await tx.exec();
  }

  /** Jobs in the frame queue by state (the `segstream_queue_jobs` metric). */
  jobCounts(): Promise<Record<string, number>> {
    return this.getQueue().getJobCounts('waiting', 'active', 'delayed', 'failed');
  }

  // ── compositor ──

  async lookupStream(streamId: string, timeoutMs = 0): Promise<StreamLookup> {
    assertStreamId(streamId);
    const deadline = Date.now() + timeoutMs;
    // This connection queues commands while Redis is away: without this race a wait meant to
    // last timeoutMs would last as long as the outage.
    let timer: NodeJS.Timeout | undefined;
    const noAnswer = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs + 1000); });
    try {
      for (;;) {
        const replies = await Promise.race([this.redis.mget(this.keys.meta(streamId), this.keys.finished(streamId)), noAnswer]);
        if (!replies) throw new Error(`no answer from Redis at ${redactUrl(this.opts.url)} while looking up stream '${streamId}'`);
        const [meta, finished] = replies;
        if (meta) return { state: 'open', info: JSON.parse(meta) as StreamInfo };
        if (finished) return { state: 'finished', finished: JSON.parse(finished) as FinishedStream };
        if (this.closed || Date.now() >= deadline) return { state: 'unknown' };
        await sleep(Math.min(200, Math.max(1, deadline - Date.now())));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async streamEvents(streamId: string, from = 0): Promise<StreamEvent[]> {
    const raws = await this.redis.lrange(this.keys.events(streamId), from, -1);
    return raws.map((r) => JSON.parse(r) as StreamEvent);
  }

  async streamEnd(streamId: string): Promise<StreamEnd | null> {
    const raw = await this.redis.get(this.keys.end(streamId));
    return raw ? (JSON.parse(raw) as StreamEnd) : null;
  }

  async *results(streamId: string): AsyncIterable<ComposeItem> {
    const blocking = duplicateBlocking(this.redis);
    blocking.on('error', () => {});
    this.connections.push(blocking);
    const stuckCheckMs = this.opts.stuckCheckMs ?? 5000;
    const pending = new Map<number, FrameResult>();
    let next = Number(await this.redis.get(this.keys.composed(streamId))) || 0;
    let end: StreamEnd | null = null;
    let waitingSince = Date.now();
    try {
      while (!this.closed) {
        const ready = pending.get(next);
        if (ready) {
          pending.delete(next);
          const yuv = await this.redis.getBuffer(this.keys.frame(streamId, next));
          yield { result: ready, yuv: yuv ? new Uint8Array(yuv.buffer, yuv.byteOffset, yuv.length) : null };
          next++;
          waitingSince = Date.now();
          continue;
        }
        end ??= await this.streamEnd(streamId);
        if (end && next >= end.frames) return;

        const popped = await blocking.blpop(this.keys.done(streamId), 1);
        const seqs = popped ? [popped[1]] : [];
        if (popped) seqs.push(...((await this.redis.lpop(this.keys.done(streamId), 512)) ?? []));
        const wanted = [...new Set(seqs.map(Number))].filter((s) => s >= next && !pending.has(s));
        if (wanted.length) {
          const raws = await this.redis.hmget(this.keys.results(streamId), ...wanted.map(String));
          wanted.forEach((s, i) => { const raw = raws[i]; if (raw) pending.set(s, JSON.parse(raw) as FrameResult); });
        }
        if (!pending.has(next) && Date.now() - waitingSince > stuckCheckMs) {
          waitingSince = Date.now();
          const recovered = await this.checkStuck(streamId, next);
          if (recovered) pending.set(next, recovered);
        }
      }
    } finally {
      blocking.disconnect();
    }
  }

  /**
   * The compositor has waited long for `seq`: the notification may be lost, or the job gone for
   * good (failed after its retries, or its frame expired). Returns a result to go on with, or null
   * to keep waiting.
   */
  private async checkStuck(streamId: string, seq: number): Promise<FrameResult | null> {
    const raw = await this.redis.hget(this.keys.results(streamId), String(seq));
    if (raw) return JSON.parse(raw) as FrameResult;
    const published = Number(await this.redis.get(this.keys.published(streamId))) || 0;
    if (seq >= published) return null; // not produced yet
    const jobId = this.keys.jobId(streamId, seq);
    const state = await this.getQueue().getJobState(jobId);
    const meta = JSON.parse((await this.redis.get(this.keys.meta(streamId))) ?? '{}') as Partial<StreamInfo>;
    const stub = { streamId, seq, ptsMs: NaN, width: meta.width ?? 0, height: meta.height ?? 0, instances: [] };
    if (state === 'failed') {
      const job = await this.getQueue().getJob(jobId);
      return { ...stub, ptsMs: job?.data.ptsMs ?? NaN, error: job?.failedReason || 'job failed' };
    }
    if (state === 'unknown' && !(await this.redis.exists(this.keys.frame(streamId, seq)))) {
      return { ...stub, error: 'frame lost: no job and no pixels left in Redis' };
    }
    log.debug('waiting for frame', { stream: streamId, seq, state });
    return null;
  }

  async composedCount(streamId: string): Promise<number> {
    return Number(await this.redis.get(this.keys.composed(streamId))) || 0;
  }

  async ack(streamId: string, seq: number, state?: string): Promise<void> {
    const m = this.redis
      .multi()
      .del(this.keys.frame(streamId, seq))
      .hdel(this.keys.results(streamId), String(seq))
      .set(this.keys.composed(streamId), String(seq + 1), 'PX', this.streamTtlMs);
    // One MULTI: the count and the state after that frame change together, or neither does.
    if (state !== undefined) m.set(this.keys.composedState(streamId), state, 'PX', this.streamTtlMs);
    await m.exec();
  }

  async composedState(streamId: string): Promise<string | null> {
    return this.redis.get(this.keys.composedState(streamId));
  }

  async finishStream(streamId: string, record: FinishedStream): Promise<void> {
    const keys = await this.streamKeys(streamId);
    await this.redis.multi().del(...keys).set(this.keys.finished(streamId), JSON.stringify(record), 'PX', this.streamTtlMs).exec();
  }

  /** Streams dropped through this connection: a producer of ours waiting for capacity gives up. */
  private readonly droppedHere = new Set<string>();

  async dropStream(streamId: string): Promise<void> {
    assertStreamId(streamId);
    this.droppedHere.add(streamId);
    await this.redis.del(...(await this.streamKeys(streamId)), this.keys.finished(streamId));
  }

  /** Every key a live stream may have. */
  private async streamKeys(streamId: string): Promise<string[]> {
    const k = this.keys;
    const published = Number(await this.redis.get(k.published(streamId))) || 0;
    const composed = Number(await this.redis.get(k.composed(streamId))) || 0;
    const frameKeys: string[] = [];
    for (let s = composed; s < published; s++) frameKeys.push(k.frame(streamId, s));
    return [k.meta(streamId), k.end(streamId), k.last(streamId), k.heartbeat(streamId), k.events(streamId), k.results(streamId), k.done(streamId), k.composed(streamId), k.composedState(streamId), k.published(streamId), ...frameKeys];
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue?.close();
    for (const c of this.connections) c.disconnect();
  }

  abandon(): void {
    this.closed = true;
    // The queue shares this.redis: dropping the sockets is all it takes, and nothing awaits a reply.
    for (const c of this.connections) c.disconnect();
  }

  /** For tests and the benchmark: the Redis connection this transport uses. */
  get client(): RedisClient { return this.redis; }

  /** The frame queue (the dashboard mounts it in bull-board). */
  get frameQueue(): Queue { return this.getQueue(); }
}
