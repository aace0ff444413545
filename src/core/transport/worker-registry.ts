import type { RedisClient } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';

/** One worker process's model, as it last reported itself. */
export interface WorkerStatus {
  /** `host:pid`, as BullMQ names the worker (job.processedBy). */
  id: string;
  host: string;
  pid: number;
  /** The model's file name without `.onnx`. */
  model: string;
  device: string;
  /** Frames per second over the last 10 s. */
  fps: number;
  frames: number;
  errors: number;
  /** Share of the last 10 s in session.run. */
  busy: number;
  state: 'running' | 'stopped';
  /** ISO 8601: when the model was loaded. */
  startedAt: string;
  /** ms since the epoch. */
  lastSeen: number;
}

export interface WorkerEntry extends WorkerStatus {
  /** Running and reported within the stale window. */
  alive: boolean;
}

export interface WorkerRegistryOptions {
  /** A running worker silent for this long is shown as not alive (it died). @defaultValue 10 000 ms */
  staleMs?: number;
  /** Entries not seen for this long are removed by list(). @defaultValue 1 hour */
  forgetMs?: number;
}

/**
 * Every worker of one Redis, for a dashboard: one hash (`RedisKeys.workers`), one field per
 * worker process and model, each worker rewriting its own every second (registry-reporter.ts).
 * A worker that stops says so; one that dies goes stale, and is forgotten after an hour.
 */
export class WorkerRegistry {
  private readonly staleMs: number;
  private readonly forgetMs: number;

  constructor(private readonly redis: RedisClient, private readonly keys: RedisKeys, opts: WorkerRegistryOptions = {}) {
    this.staleMs = opts.staleMs ?? 10_000;
    this.forgetMs = opts.forgetMs ?? 3600_000;
  }

  static field(s: Pick<WorkerStatus, 'id' | 'model'>): string { return `${s.id}/${s.model}`; }

  async report(status: WorkerStatus): Promise<void> {
    await this.redis.hset(this.keys.workers(), WorkerRegistry.field(status), JSON.stringify(status));
  }

  /** Every worker known, by id. */
  async list(now = Date.now()): Promise<WorkerEntry[]> {
    const all = await this.redis.hgetall(this.keys.workers());
    const entries: WorkerEntry[] = [];
    const forget: string[] = [];
    for (const [field, raw] of Object.entries(all)) {
      const s = JSON.parse(raw) as WorkerStatus;
      if (now - s.lastSeen > this.forgetMs) { forget.push(field); continue; }
      entries.push({ ...s, alive: s.state === 'running' && now - s.lastSeen <= this.staleMs });
    }
    if (forget.length) await this.redis.hdel(this.keys.workers(), ...forget);
    return entries.sort((a, b) => a.id.localeCompare(b.id) || a.model.localeCompare(b.model));
  }
}
