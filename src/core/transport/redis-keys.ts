/** The deployment's key prefix when SEGSTREAM_REDIS_PREFIX does not say otherwise. */
export const DEFAULT_REDIS_PREFIX = '{segstream}';

/**
 * The one place that names Redis keys. Layout (for the default prefix `{segstream}`):
 *
 *   {segstream}:frames:…            BullMQ's queue: its own hash tag, so its Lua scripts stay on one slot
 *   {segstream:s:<id>}:meta, :f:<seq>, :results, …   a stream's keys: one hash tag per stream
 *   {segstream}:<name>              deployment-wide keys (see `global`)
 *
 * Redis Cluster hashes only what is inside the first `{…}`, so every key of one stream lands on
 * one slot (the MULTIs and MGETs below touch one stream's keys only), and different streams land
 * on different slots, hence on different nodes: frame bytes, which are the traffic, spread over
 * the cluster by stream. A key used in one command or MULTI with a stream's keys must come from
 * `stream()`; anything else from `global()` (one slot for the whole deployment: keep it small).
 */
export class RedisKeys {
  /** The prefix given, normalised to `{name}`: BullMQ's queue prefix and the deployment's tag. */
  readonly prefix: string;
  /** The prefix without its braces. */
  readonly name: string;

  constructor(prefix: string = DEFAULT_REDIS_PREFIX) {
    this.name = redisPrefixName(prefix);
    this.prefix = `{${this.name}}`;
  }

  /** The hash tag every key of `stream` carries. */
  streamTag(stream: string): string { return `{${this.name}:s:${stream}}`; }
  /** A key of its own for `stream` (other modules: per-stream metrics and the like). Same slot as the stream's other keys. */
  stream(stream: string, suffix: string): string { return `${this.streamTag(stream)}:${suffix}`; }
  /** A deployment-wide key (a registry of streams, say), on the queue's slot. */
  global(suffix: string): string { return `${this.prefix}:${suffix}`; }
  /** Glob patterns that together match every key of this deployment (for SCAN/KEYS: tests, cleanup). */
  patterns(): string[] { return [`${this.prefix}:*`, `{${this.name}:s:*`]; }

  meta(stream: string): string { return this.stream(stream, 'meta'); }
  end(stream: string): string { return this.stream(stream, 'end'); }
  frame(stream: string, seq: number): string { return this.stream(stream, `f:${seq}`); }
  /** List of the stream's events (JSON), in the order published. */
  events(stream: string): string { return this.stream(stream, 'events'); }
  results(stream: string): string { return this.stream(stream, 'results'); }
  /** List of seqs whose result just landed: the compositor's wake-up call. */
  done(stream: string): string { return this.stream(stream, 'done'); }
  /** Number of frames composed (= next seq the compositor waits for). */
  composed(stream: string): string { return this.stream(stream, 'composed'); }
  /** The compositor's result-stage state (tracker) after the last frame it acked: JSON. */
  composedState(stream: string): string { return this.stream(stream, 'cstate'); }
  /** Frames published so far. */
  published(stream: string): string { return this.stream(stream, 'published'); }
  /** The last frame published: `{seq, ptsMs, firstPtsMs, wallMs}` (where a restarted producer goes on). */
  last(stream: string): string { return this.stream(stream, 'last'); }
  /** Set by the producer with a short TTL, again and again: gone when it died. */
  heartbeat(stream: string): string { return this.stream(stream, 'hb'); }
  /** Left by the compositor when it finished the stream (all the keys above are gone then). */
  finished(stream: string): string { return this.stream(stream, 'finished'); }
  /** The stream's status in the stream registry (stream-registry.ts): a hash, one field per role. */
  status(stream: string): string { return this.stream(stream, 'status'); }
  /** The latest annotated frame as a small JPEG (thumbnail-sink.ts), for the dashboard. */
  thumbnail(stream: string): string { return this.stream(stream, 'thumb'); }
  /** Index of the registry's streams: a sorted set of ids, scored by their last report (ms). */
  streamIndex(): string { return this.global('streams'); }
  /** The worker registry (worker-registry.ts): a hash, one field per worker process and model. */
  workers(): string { return this.global('workers'); }
  /** BullMQ job id (inside the queue's keys, not a key of its own). */
  jobId(stream: string, seq: number): string { return `${stream}.${seq}`; }
}

/**
 * `{name}` or `name` → `name`. Braces anywhere else would move the hash tag and put keys that
 * MULTIs use together on different slots, so they are refused.
 */
export function redisPrefixName(prefix: string): string {
  const m = /^\{([^{}]+)\}$/.exec(prefix) ?? /^([^{}]+)$/.exec(prefix);
  if (!m || /\s/.test(m[1])) {
    throw new Error(`invalid Redis key prefix '${prefix}': use a name without spaces or braces, optionally in braces (e.g. '{segstream}')`);
  }
  return m[1];
}
