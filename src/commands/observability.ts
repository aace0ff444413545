/**
 * What the CLI's roles share for being observed: one {@link Metrics} per process, the
 * /metrics + /healthz + /readyz server when `--metrics-port` is given, the readiness checks of
 * the role, and, for Redis roles, the stream and worker registries kept up to date.
 */
import type { RedisClient } from '../core/transport/redis-connection.js';
import { log as rootLog, type Logger } from '../core/log.js';
import { Metrics } from '../core/metrics/metrics.js';
import { MetricsServer } from '../core/metrics/metrics-server.js';
import { Readiness, type CheckResult } from '../core/metrics/readiness.js';
import { RegistryReporter } from '../core/metrics/registry-reporter.js';
import { RedisTransport } from '../core/transport/redis-transport.js';
import { StreamRegistry } from '../core/transport/stream-registry.js';
import type { Transport } from '../core/transport/transport.js';
import { WorkerRegistry } from '../core/transport/worker-registry.js';
import { UsageError } from './usage-error.js';

export interface MetricsEndpoint {
  /** 0: any free port (logged). */
  port: number;
  /** @defaultValue '0.0.0.0' */
  host: string;
}

/** A PING slower than this means Redis is not reachable, for /readyz. */
const PING_TIMEOUT_MS = 1000;

/** `--metrics-port N [--metrics-host ADDR]`, checked; null when metrics are not served. */
export function metricsEndpoint(values: { 'metrics-port'?: string; 'metrics-host'?: string }): MetricsEndpoint | null {
  const raw = values['metrics-port'];
  const host = values['metrics-host'];
  if (raw === undefined) {
    if (host !== undefined) throw new UsageError('--metrics-host needs --metrics-port');
    return null;
  }
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new UsageError(`invalid --metrics-port '${raw}': expected a port in [0, 65535] (0 = any free port)`);
  if (host !== undefined && host.trim() === '') throw new UsageError('invalid --metrics-host \'\': expected an address such as 0.0.0.0 or 127.0.0.1');
  return { port: Number(raw), host: host ?? '0.0.0.0' };
}

export interface ObservabilityOptions {
  /** run, produce, work, compose: the `role` label. */
  role: string;
  endpoint: MetricsEndpoint | null;
  /** Ready only once a model is loaded (work, run). */
  model?: boolean;
  /** Ready only while Redis answers a PING (the Redis roles). */
  redis?: boolean;
  /** Ready only while this stream's source delivers: a frame within `stallMs` (produce, run). */
  source?: { streamId: string; stallMs: number };
  logger?: Logger;
}

export class Observability {
  private redis: RedisClient | null = null;
  private reporter: RegistryReporter | null = null;
  private registry: StreamRegistry | null = null;

  private constructor(readonly metrics: Metrics, readonly readiness: Readiness, private readonly server: MetricsServer | null) {}

  /** Starts serving (when asked) before anything else, so a probe sees the role get ready. */
  static async start(opts: ObservabilityOptions): Promise<Observability> {
    const logger = opts.logger ?? rootLog;
    const metrics = new Metrics({ role: opts.role, processMetrics: opts.endpoint !== null });
    const readiness = new Readiness();
    let server: MetricsServer | null = null;
    if (opts.endpoint) {
      const { port, host } = opts.endpoint;
      try {
        server = await MetricsServer.start(metrics, readiness, { port, host });
      } catch (err) {
        throw new Error(`cannot serve metrics on ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    const o = new Observability(metrics, readiness, server);
    o.addChecks(opts);
    if (server) {
      const shown = server.host === '0.0.0.0' || server.host === '::' ? 'localhost' : server.host;
      logger.info(`serving metrics on http://${shown}:${server.port}/metrics (and /healthz, /readyz)`, { host: server.host, port: server.port });
    }
    return o;
  }

  private addChecks(opts: ObservabilityOptions): void {
    const m = this.metrics;
    if (opts.model) {
      this.readiness.add('model', () => {
        const models = m.models;
        return models.length ? { ok: true, detail: models.map((x) => `${x.model} on ${x.device}`).join(', ') } : { ok: false, detail: 'model not loaded yet' };
      });
    }
    if (opts.redis) this.readiness.add('redis', () => this.pingRedis());
    const source = opts.source;
    if (source) this.readiness.add('source', () => sourceCheck(m, source.streamId, source.stallMs));
  }

  private async pingRedis(): Promise<CheckResult> {
    const r = this.redis;
    if (!r) return { ok: false, detail: 'not connected to Redis yet' };
    // A connection that is down queues commands (workers) or fails them: either way, say so now.
    if (r.status !== 'ready') return { ok: false, detail: `Redis connection is ${r.status}` };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), PING_TIMEOUT_MS); });
    try {
      const reply = await Promise.race([r.ping(), late]);
      return reply === 'late' ? { ok: false, detail: `no PING reply within ${PING_TIMEOUT_MS} ms` } : { ok: true };
    } catch (err) {
      return { ok: false, detail: `PING failed: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The role's transport is up. Through Redis: the readiness PING, the queue's job counts and
   * the registries (every second) use it; `inFlightOf` streams count their frames in flight there.
   */
  attach(transport: Transport, inFlightOf: string[] = []): void {
    if (!(transport instanceof RedisTransport)) return;
    const redis = transport.client;
    this.redis = redis;
    this.metrics.watchQueue(() => transport.jobCounts());
    for (const id of inFlightOf) {
      this.metrics.watchInFlight(id, async () => {
        const [published, composed] = await redis.mget(transport.keys.published(id), transport.keys.composed(id));
        return Math.max(0, (Number(published) || 0) - (Number(composed) || 0));
      });
    }
    this.registry = new StreamRegistry(redis, transport.keys);
    this.reporter = new RegistryReporter(this.metrics, this.registry, new WorkerRegistry(redis, transport.keys), rootLog).start();
  }

  /** Stores a stream's dashboard thumbnail in the registry; null without Redis (nobody to show it). */
  get thumbnails(): ((streamId: string, jpeg: Buffer) => Promise<void>) | null {
    const registry = this.registry;
    return registry ? (id, jpeg) => registry.setThumbnail(id, jpeg) : null;
  }

  /** The last registry report (bounded), then the server goes; never waits for a client. */
  async close(): Promise<void> {
    await this.reporter?.close();
    this.reporter = null;
    this.server?.close();
  }

  /** Past the shutdown bound: stop at once, waiting for nothing. */
  abandon(): void {
    this.server?.close();
  }
}

function sourceCheck(m: Metrics, streamId: string, stallMs: number): CheckResult {
  const s = m.stream(streamId);
  if (s.sourceState === 'reconnecting') return { ok: false, detail: 'source lost: reconnecting' };
  if (s.sourceState === 'ended' || s.sourceState === 'failed') return { ok: false, detail: `source ended${s.error ? `: ${s.error}` : ''}` };
  if (s.lastDecodedAt === null) return { ok: false, detail: 'no frame from the source yet' };
  // Waiting for the pipeline (back-pressure) is not the source failing.
  if (s.publishing) return { ok: true, detail: 'waiting for the pipeline (frames in flight at the limit)' };
  const silentMs = Date.now() - s.lastDecodedAt;
  return silentMs <= stallMs ? { ok: true } : { ok: false, detail: `no frame for ${(silentMs / 1000).toFixed(1)} s (stall window ${stallMs / 1000} s)` };
}

/** `segstream drop`: the stream leaves the stream registry too. */
export async function forgetStream(transport: RedisTransport, streamId: string): Promise<void> {
  await new StreamRegistry(transport.client, transport.keys).remove(streamId);
}
