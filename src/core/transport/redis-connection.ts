import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { log } from '../log.js';
import { parseRedisUrl, redactUrl } from './redis-url.js';

export { redactUrl } from './redis-url.js';

/** One Redis server or a Redis Cluster: both speak the commands the transport uses. */
export type RedisClient = Redis | Cluster;

export interface ConnectRedisOptions {
  /**
   * For workers and blocking pops (BullMQ requires maxRetriesPerRequest null); otherwise commands
   * fail fast while disconnected (producers: a Redis outage becomes an error at once instead of
   * frames piling up in ioredis' offline queue).
   * @defaultValue false
   */
  blocking?: boolean;
  /** Give up connecting after this long. @defaultValue 5000 */
  timeoutMs?: number;
}

/**
 * Opens a connection to the server or Cluster `url` names (see parseRedisUrl) and waits until it
 * is ready, so that a wrong URL, a wrong password or a Redis that is down gives one clear error
 * instead of an endless reconnect loop. Sentinel: ioredis asks the Sentinels for the master and
 * follows a failover. A plain redis:// URL that reaches a Cluster node is
 * opened as a Cluster from that node: a single-node client there would get MOVED for most keys.
 */
export async function connectRedis(url: string, opts: ConnectRedisOptions = {}): Promise<RedisClient> {
  const target = parseRedisUrl(url);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const perCommand: RedisOptions = opts.blocking ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 3 };
  if (target.kind === 'cluster') {
    return ready(newCluster(target.nodes, { username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}), ...perCommand }, opts), url, timeoutMs);
  }
  if (target.kind === 'sentinel') {
    return ready(new Redis({
      sentinels: target.nodes, name: target.masterName, db: target.db, username: target.username, password: target.password,
      ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      ...perCommand, enableOfflineQueue: !!opts.blocking, lazyConnect: true,
    }), url, timeoutMs);
  }
  const redis = await ready(new Redis(url, { ...perCommand, enableOfflineQueue: !!opts.blocking, lazyConnect: true }), url, timeoutMs);
  if (!(await isClusterNode(redis))) return redis;
  const o = redis.options;
  redis.disconnect();
  log.info('Redis at the URL is a Cluster node: using it as a Redis Cluster', { redis: redactUrl(url) });
  const nodeOptions: RedisOptions = { username: o.username, password: o.password, ...(o.tls ? { tls: o.tls } : {}), ...perCommand };
  return ready(newCluster([{ host: o.host!, port: o.port! }], nodeOptions, opts), url, timeoutMs);
}

function newCluster(nodes: { host: string; port: number }[], redisOptions: RedisOptions, opts: ConnectRedisOptions): Cluster {
  const options: ClusterOptions = {
    lazyConnect: true,
    enableOfflineQueue: !!opts.blocking,
    redisOptions,
    // TLS certificates name hosts, not the IPs the cluster announces; keep the host as given.
    ...(redisOptions.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
  };
  return new Cluster(nodes, options);
}

async function ready<C extends RedisClient>(client: C, url: string, timeoutMs: number): Promise<C> {
  // ioredis emits 'error' on every failed reconnect; unhandled it would crash the process.
  let lastError: Error | null = null;
  client.on('error', (err: Error) => { lastError = err; });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs); }),
    ]);
    // A wrong password does not fail connect(): ioredis reports it and goes on unauthenticated.
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot connect to Redis at ${redactUrl(url)}: ${oneLine(err as Error, lastError)}`);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

function oneLine(err: Error, last: Error | null): string {
  const auth = [err, last].find((e) => e && /WRONGPASS|NOAUTH|invalid password|invalid username/i.test(e.message));
  const chosen = auth ?? last ?? err;
  // A Cluster that cannot load its slot map says why only in the node's own error.
  const nodeError = (chosen as Error & { lastNodeError?: Error }).lastNodeError;
  const why = nodeError ? `${chosen.message.replace(/\.$/, '')} (${nodeError.message})` : chosen.message;
  return why.split('\n')[0].replace(/ Retrying from scratch after \d+ms\./, '');
}

async function isClusterNode(redis: Redis): Promise<boolean> {
  try {
    return /^cluster_enabled:1/m.test(await redis.info('cluster'));
  } catch {
    return false; // INFO renamed away (some managed Redis): take it for a single server
  }
}

/**
 * A second connection like `client` (same server or Cluster, same credentials) whose commands
 * wait out an outage: for BullMQ workers and blocking pops.
 */
export function duplicateBlocking(client: RedisClient): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate([], { enableOfflineQueue: true, redisOptions: { ...client.options.redisOptions, maxRetriesPerRequest: null } });
  }
  return client.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
}
