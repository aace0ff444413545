import type { RedisClient } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';

/** The producer side of a stream, as its producer last reported it. */
export interface ProducerStatus {
  state: 'starting' | 'live' | 'reconnecting' | 'ended' | 'failed';
  source: string;
  live: boolean;
  width: number;
  height: number;
  /** Frames per second decoded over the last 10 s. */
  fpsIn: number;
  decoded: number;
  dropped: number;
  misTimed: number;
  reconnects: number;
  error?: string;
  host: string;
  pid: number;
  /** ms since the epoch. */
  updatedAt: number;
}

/** The compositor side of a stream, as its compositor last reported it. */
export interface CompositorStatus {
  state: 'waiting' | 'composing' | 'finished' | 'stopped' | 'failed';
  written: number;
  failed: number;
  /** Frames per second written over the last 10 s. */
  fpsOut: number;
  /** Decode to written of the last frame written, in ms. */
  latencyMs: number | null;
  output?: string;
  /** The live HLS view's directory on the compositor's host (`--hls`). */
  hls?: string;
  host: string;
  pid: number;
  updatedAt: number;
}

/**
 * A stream's state as the dashboard shows it: `live` (frames arriving), `reconnecting` (a live
 * source lost, the producer retrying), `ended` (the producer is done, the compositor still
 * writing), `finished` (composed), `failed` (the source gave no frame), `stale` (its producer
 * stopped reporting without ending it: it died), `starting`, `waiting` (a compositor waits for
 * a producer), `stopped` (its compositor was stopped before the end).
 */
export type StreamState = ProducerStatus['state'] | 'finished' | 'stale' | 'waiting' | 'stopped';

export interface StreamStatus {
  streamId: string;
  state: StreamState;
  producer: ProducerStatus | null;
  compositor: CompositorStatus | null;
  /** The later of the two reports (ms since the epoch). */
  updatedAt: number;
}

export interface StreamRegistryOptions {
  /** A status key lives this long after its last report. @defaultValue 7 days (as the stream's keys) */
  ttlMs?: number;
  /** A producer that has not reported for this long without ending its stream is taken for dead. @defaultValue 10 000 ms */
  staleMs?: number;
}

/**
 * Every stream in one Redis, for a dashboard: producers and compositors report their side
 * (registry-reporter.ts, every second), readers call list(). Per stream one hash under the
 * stream's own keys (`RedisKeys.status`, fields `producer` and `compositor`), plus one sorted set
 * of ids. The two are written by separate commands, never in one MULTI, so a Redis Cluster may
 * keep them on different slots.
 */
export class StreamRegistry {
  private readonly ttlMs: number;
  private readonly staleMs: number;

  constructor(private readonly redis: RedisClient, private readonly keys: RedisKeys, opts: StreamRegistryOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 7 * 24 * 3600_000;
    this.staleMs = opts.staleMs ?? 10_000;
  }

  reportProducer(streamId: string, status: ProducerStatus): Promise<void> {
    return this.report(streamId, 'producer', status);
  }

  reportCompositor(streamId: string, status: CompositorStatus): Promise<void> {
    return this.report(streamId, 'compositor', status);
  }

  private async report(streamId: string, field: 'producer' | 'compositor', status: ProducerStatus | CompositorStatus): Promise<void> {
    const key = this.keys.status(streamId);
    await this.redis.multi().hset(key, field, JSON.stringify(status)).pexpire(key, this.ttlMs).exec();
    await this.redis.zadd(this.keys.streamIndex(), status.updatedAt, streamId);
  }

  /** One stream's status, or null when the registry does not know it. */
  async get(streamId: string, now = Date.now()): Promise<StreamStatus | null> {
    const h = await this.redis.hgetall(this.keys.status(streamId));
    if (!h.producer && !h.compositor) return null;
    const producer = h.producer ? (JSON.parse(h.producer) as ProducerStatus) : null;
    const compositor = h.compositor ? (JSON.parse(h.compositor) as CompositorStatus) : null;
    return {
      streamId,
      state: this.stateOf(producer, compositor, now),
      producer,
      compositor,
      updatedAt: Math.max(producer?.updatedAt ?? 0, compositor?.updatedAt ?? 0),
    };
  }

  /** Every stream known, the most recently reported first. Ids whose status expired leave the index. */
  async list(now = Date.now()): Promise<StreamStatus[]> {
    const ids = await this.redis.zrevrange(this.keys.streamIndex(), 0, -1);
    const found = await Promise.all(ids.map((id) => this.get(id, now)));
    const gone = ids.filter((_, i) => found[i] === null);
    if (gone.length) await this.redis.zrem(this.keys.streamIndex(), ...gone);
    return found.filter((s): s is StreamStatus => s !== null);
  }

  /** Stores the stream's latest thumbnail (JPEG), kept as long as its status. */
  async setThumbnail(streamId: string, jpeg: Buffer): Promise<void> {
    await this.redis.set(this.keys.thumbnail(streamId), jpeg, 'PX', this.ttlMs);
  }

  /** The stream's latest thumbnail, or null. */
  thumbnail(streamId: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.thumbnail(streamId));
  }

  /** Forgets a stream (`segstream drop`). */
  async remove(streamId: string): Promise<void> {
    await this.redis.del(this.keys.status(streamId), this.keys.thumbnail(streamId));
    await this.redis.zrem(this.keys.streamIndex(), streamId);
  }

  private stateOf(p: ProducerStatus | null, c: CompositorStatus | null, now: number): StreamState {
    if (c?.state === 'finished') return 'finished';
    if (!p) return c?.state === 'stopped' ? 'stopped' : 'waiting';
    if (p.state === 'ended' || p.state === 'failed') return p.state;
    if (now - p.updatedAt > this.staleMs) return 'stale';
    return p.state;
  }
}
