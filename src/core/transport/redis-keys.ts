/**
 * Every key of a stream shares one Redis Cluster hash tag (the prefix's `{…}`), so the multi-key
 * commands below stay on one slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  meta(stream: string): string { return `${this.prefix}:s:${stream}:meta`; }
  end(stream: string): string { return `${this.prefix}:s:${stream}:end`; }
  frame(stream: string, seq: number): string { return `${this.prefix}:s:${stream}:f:${seq}`; }
  /** List of the stream's events (JSON), in the order published. */
  events(stream: string): string { return `${this.prefix}:s:${stream}:events`; }
  results(stream: string): string { return `${this.prefix}:s:${stream}:results`; }
  /** List of seqs whose result just landed: the compositor's wake-up call. */
  done(stream: string): string { return `${this.prefix}:s:${stream}:done`; }
  /** Number of frames composed (= next seq the compositor waits for). */
  composed(stream: string): string { return `${this.prefix}:s:${stream}:composed`; }
  /** Frames published so far. */
  published(stream: string): string { return `${this.prefix}:s:${stream}:published`; }
  /** The last frame published: `{seq, ptsMs, firstPtsMs, wallMs}` (where a restarted producer goes on). */
  last(stream: string): string { return `${this.prefix}:s:${stream}:last`; }
  /** Set by the producer with a short TTL, again and again: gone when it died. */
  heartbeat(stream: string): string { return `${this.prefix}:s:${stream}:hb`; }
  /** Left by the compositor when it finished the stream (all the keys above are gone then). */
  finished(stream: string): string { return `${this.prefix}:s:${stream}:finished`; }
  /** The stream's status in the stream registry (stream-registry.ts): a hash, one field per role. */
  status(stream: string): string { return `${this.prefix}:s:${stream}:status`; }
  /** The latest annotated frame as a small JPEG (thumbnail-sink.ts), for the dashboard. */
  thumbnail(stream: string): string { return `${this.prefix}:s:${stream}:thumb`; }
  /** Index of the registry's streams: a sorted set of ids, scored by their last report (ms). */
  streamIndex(): string { return `${this.prefix}:streams`; }
  /** The worker registry (worker-registry.ts): a hash, one field per worker process and model. */
  workers(): string { return `${this.prefix}:workers`; }
  jobId(stream: string, seq: number): string { return `${stream}.${seq}`; }
}
