/**
 * Real redis-server processes on free loopback ports, in a temp dir, for tests and the benchmark:
 * a plain server (with extra flags, e.g. --requirepass) or a Redis Cluster of N masters made with
 * `redis-cli --cluster create`. Everything started here is stopped by the handle's stop().
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:PORT (no credentials). */
  url: string;
  stop(): Promise<void>;
}

export interface LocalRedisCluster {
  ports: number[];
  /** redis+cluster://127.0.0.1:P1,127.0.0.1:P2,… */
  url: string;
  /** One client per master, to look at what each node holds. */
  nodeClients(): Redis[];
  stop(): Promise<void>;
}

/** Why a local Redis Cluster cannot be started here, or null when it can. */
export async function clusterUnavailable(): Promise<string | null> {
  for (const bin of ['redis-server', 'redis-cli']) {
    try { await run(bin, ['--version']); } catch { return `${bin} not found`; }
  }
  const { stdout } = await run('redis-cli', ['--cluster', 'help']).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  if (!/create/.test(stdout)) return 'redis-cli lacks --cluster (Redis 5 or later needed)';
  return null;
}

/** A loopback port that is free, and whose cluster bus port (+10000) is free too. */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if ((await portFree(port)) && (await portFree(port + 10000))) return port;
  }
  throw new Error('no free port pair found for redis-server');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitForPing(port: number, child: ChildProcess, log: () => string, password?: string, ca?: Buffer): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited (${child.exitCode}): ${log().slice(-400)}`);
    const r = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(ca ? { tls: { ca, servername: 'localhost' } } : {}) });
    r.on('error', () => {});
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      r.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within 15 s: ${log().slice(-400)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

function spawnServer(dir: string, port: number, extra: string[], args?: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn('redis-server', args ?? [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', '', ...extra,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out = (out + d).slice(-4000); });
  child.stderr!.on('data', (d) => { out = (out + d).slice(-4000); });
  return { child, log: () => out };
}

/**
 * Spawns a server on a free port and waits for its PING. Another process may take the port between
 * the check and the bind (tests run in parallel): then it tries again on another port.
 */
async function spawnOnFreePort(dir: string, argsFor: (port: number) => { extra?: string[]; args?: string[] }, ping: { password?: string; ca?: Buffer } = {}): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const { extra = [], args } = argsFor(port);
    const { child, log } = spawnServer(dir, port, extra, args);
    try {
      await waitForPing(port, child, log, ping.password, ping.ca);
      return { port, child };
    } catch (err) {
      await stopChildren([child]);
      if (attempt >= 3 || !/Address already in use/i.test(log())) throw err;
    }
  }
}

async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    c.once('exit', () => { clearTimeout(t); resolve(); });
    c.kill('SIGTERM');
  })));
}

/** PEM files of a TLS server (see makeTestCertificates). */
export interface TlsFiles { ca: string; cert: string; key: string }

/**
 * One redis-server with `extra` flags (e.g. ['--requirepass', 'pw']); with `tls`, it speaks TLS
 * only, on `port` (clients need not present a certificate).
 */
export async function startRedisServer(extra: string[] = [], opts: { password?: string; tls?: TlsFiles } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstream-redis-'));
  const tls = opts.tls;
  const tlsArgs = (port: number) => tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no']
    : [];
  try {
    const { port, child } = await spawnOnFreePort(dir, (p) => ({ extra: [...extra, ...tlsArgs(p)] }), { password: opts.password, ca: tls ? readFileSync(tls.ca) : undefined });
    return { port, url: `redis://127.0.0.1:${port}`, stop: async () => { await stopChildren([child]); rmSync(dir, { recursive: true, force: true }); } };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A Redis Cluster of `masters` masters (no replicas) on loopback, ready (cluster_state:ok). */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstream-cluster-'));
  const children: ChildProcess[] = [];
  const clients: Redis[] = [];
  const ports: number[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await stopChildren(children);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const { port, child } = await spawnOnFreePort(dir, (p) => ({ extra: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${p}.conf`, '--cluster-node-timeout', '5000'] }));
      children.push(child);
      ports.push(port);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    for (const port of ports) {
      const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      r.on('error', () => {});
      clients.push(r);
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      const infos = await Promise.all(clients.map((c) => c.cluster('INFO') as Promise<string>));
      if (infos.every((i) => /cluster_state:ok/.test(i))) break;
      if (Date.now() > deadline) throw new Error(`cluster not ok within 20 s: ${infos[0]}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ports,
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    nodeClients: () => clients,
    stop,
  };
}

/** A Redis Sentinel monitoring the master on `masterPort` under `name`, quorum 1. */
export async function startSentinel(masterPort: number, name: string): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstream-sentinel-'));
  const conf = path.join(dir, 'sentinel.conf'); // Sentinel rewrites its config: a file of its own
  try {
    const { port, child } = await spawnOnFreePort(dir, (p) => {
      writeFileSync(conf, [`port ${p}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, `sentinel down-after-milliseconds ${name} 5000`, ''].join('\n'));
      return { args: [conf, '--sentinel'] };
    });
    return { port, url: `redis://127.0.0.1:${port}`, stop: async () => { await stopChildren([child]); rmSync(dir, { recursive: true, force: true }); } };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A throw-away CA and a server certificate for localhost / 127.0.0.1, made with openssl in `dir`;
 * null when openssl is not installed.
 */
export async function makeTestCertificates(dir: string): Promise<TlsFiles | null> {
  const f = (name: string) => path.join(dir, name);
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=segstream test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr')]);
    writeFileSync(f('san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('san.cnf'), '-out', f('server.pem')]);
  } catch {
    return null;
  }
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}
