import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens an ioredis connection and waits until it is ready, so that a wrong URL or a Redis that
 * is down gives one clear error instead of an endless reconnect loop.
 *
 * `blocking: true` is for workers and blocking pops (BullMQ requires maxRetriesPerRequest null);
 * otherwise commands fail fast while disconnected (producers: a Redis outage becomes an error at
 * once instead of frames piling up in ioredis' offline queue).
 */
export async function connectRedis(url: string, opts: { blocking?: boolean; timeoutMs?: number } = {}): Promise<Redis> {
  const base: RedisOptions = opts.blocking
    ? { maxRetriesPerRequest: null, lazyConnect: true }
    : { maxRetriesPerRequest: 3, enableOfflineQueue: false, lazyConnect: true };
  const redis = new Redis(url, base);
  // ioredis emits 'error' on every failed reconnect; unhandled it would crash the process.
  let lastError: Error | null = null;
  redis.on('error', (err) => { lastError = err; });
  const timeoutMs = opts.timeoutMs ?? 5000;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  } catch (err) {
    redis.disconnect();
    const why = (lastError as Error | null)?.message ?? (err as Error).message;
    throw new Error(`cannot connect to Redis at ${redactUrl(url)}: ${why}`);
  }
  return redis;
}

/** Hides a password in a redis:// URL before it is printed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
