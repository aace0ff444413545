/** Where a Redis URL points: one server, or the seed nodes of a Redis Cluster. */
export interface RedisTarget {
  kind: 'single' | 'cluster' | 'sentinel';
  /** Cluster seed nodes or Sentinels (any reachable one is enough; the rest are discovered). Empty for 'single'. */
  nodes: { host: string; port: number }[];
  /** Sentinel: the name of the master the Sentinels monitor. */
  masterName?: string;
  /** Sentinel: the database number. */
  db?: number;
  username?: string;
  password?: string;
  /** rediss:// or rediss+cluster://. */
  tls: boolean;
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)(\/.*)?$/i;
const SENTINEL_URL = /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)\/([^/?#]+)(?:\/(\d+))?\/?$/i;

/**
 * Reads a Redis URL:
 *
 *   redis://[user:pass@]host:port[/db]      one server (a Cluster node found there is used as a Cluster)
 *   rediss://…                              the same over TLS
 *   redis+cluster://[user:pass@]h1:p1,h2:p2 a Redis Cluster, from these seed nodes
 *   rediss+cluster://…                      the same over TLS
 *   redis+sentinel://[user:pass@]s1:p1,s2:p2/MASTER[/db]  the master that these Sentinels name
 *                                           (the credentials are the master's; Sentinels without auth)
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
  const sentinel = SENTINEL_URL.exec(url);
  if (sentinel) {
    const [, scheme, user, pass, hosts, masterName, db] = sentinel;
    return {
      kind: 'sentinel',
      nodes: hosts!.split(',').map((h) => parseHostPort(h, url, 26379)),
      masterName: decodeURIComponent(masterName!),
      db: db === undefined ? undefined : Number(db),
      username: user ? decodeURIComponent(user) : undefined,
      password: pass !== undefined ? decodeURIComponent(pass) : undefined,
      tls: scheme!.toLowerCase() === 'rediss',
    };
  }
  if (/^rediss?\+sentinel:/i.test(url)) throw new Error(`Redis URL '${redactUrl(url)}': write redis+sentinel://HOST:PORT[,HOST:PORT…]/MASTER_NAME[/DB]`);
  if (!/^rediss?:\/\//i.test(url)) {
    throw new Error(`Redis URL '${redactUrl(url)}' is not redis://, rediss://, redis+cluster:// or redis+sentinel://`);
  }
  if (/^rediss?:\/\/[^/]*,/i.test(url)) {
    throw new Error(`Redis URL '${redactUrl(url)}' names several hosts: write redis+cluster://… for a Redis Cluster`);
  }
  return { kind: 'single', nodes: [], tls: /^rediss:/i.test(url) };
}

function parseHostPort(spec: string, url: string, defaultPort = 6379): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\[\]]+)(?::(\d+))?$/.exec(spec.trim());
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!m || !(port >= 1 && port <= 65535)) throw new Error(`Redis URL '${redactUrl(url)}': '${spec}' is not host:port`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** Hides a password in a Redis URL before it is printed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
