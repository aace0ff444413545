/** Where a Redis URL points: one server, or the seed nodes of a Redis Cluster. */
export interface RedisTarget {
  kind: 'single' | 'cluster';
  /** Cluster seed nodes (any reachable one is enough; the rest are discovered). Empty for 'single'. */
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  /** rediss:// or rediss+cluster://. */
  tls: boolean;
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)(\/.*)?$/i;

/**
 * Reads a Redis URL:
 *
 *   redis://[user:pass@]host:port[/db]      one server (a Cluster node found there is used as a Cluster)
 *   rediss://…                              the same over TLS
 *   redis+cluster://[user:pass@]h1:p1,h2:p2 a Redis Cluster, from these seed nodes
 *   rediss+cluster://…                      the same over TLS
 *
 * Throws a one-line error naming the problem.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const cluster = CLUSTER_URL.exec(url);
  if (cluster) {
    const [, scheme, user, pass, hosts, path] = cluster;
    if (path && path !== '/' && path !== '/0') throw new Error(`Redis URL '${redactUrl(url)}': a Redis Cluster has database 0 only (drop '${path}')`);
    const nodes = hosts!.split(',').map((h) => parseHostPort(h, url));
    return {
      kind: 'cluster',
      nodes,
      username: user ? decodeURIComponent(user) : undefined,
      password: pass !== undefined ? decodeURIComponent(pass) : undefined,
      tls: scheme!.toLowerCase() === 'rediss',
    };
  }
  if (!/^rediss?:\/\//i.test(url)) {
    throw new Error(`Redis URL '${redactUrl(url)}' is not redis://, rediss://, redis+cluster:// or rediss+cluster://`);
  }
  if (/^rediss?:\/\/[^/]*,/i.test(url)) {
    throw new Error(`Redis URL '${redactUrl(url)}' names several hosts: write redis+cluster://… for a Redis Cluster`);
  }
  return { kind: 'single', nodes: [], tls: /^rediss:/i.test(url) };
}

function parseHostPort(spec: string, url: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\[\]]+)(?::(\d+))?$/.exec(spec.trim());
  const port = m?.[2] === undefined ? 6379 : Number(m[2]);
  if (!m || !(port >= 1 && port <= 65535)) throw new Error(`Redis URL '${redactUrl(url)}': '${spec}' is not host:port`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Hides a password in a Redis URL before it is printed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
