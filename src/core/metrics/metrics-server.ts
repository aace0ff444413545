import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';
import type { Readiness } from './readiness.js';

export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (read it from `port` once listening). */
  port: number;
  /**
   * Address to bind. All interfaces by default, because a Prometheus server or an orchestrator's
   * probe reaches a container from outside it; use 127.0.0.1 to keep it to the host.
   * @defaultValue '0.0.0.0'
   */
  host?: string;
}

/**
 * Plain node:http: `GET /metrics` (Prometheus text), `/healthz` (200 while the event loop turns:
 * answering at all is the check) and `/readyz` (200 or 503 with the checks as JSON). Never keeps
 * the process alive, and close() never waits for a client.
 */
export class MetricsServer {
  private readonly server: http.Server;
  private closed = false;

  private constructor(server: http.Server) {
    this.server = server;
  }

  static async start(metrics: Metrics, readiness: Readiness, opts: MetricsServerOptions): Promise<MetricsServer> {
    const server = http.createServer((req, res) => {
      void handle(metrics, readiness, req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`error: ${err.message}\n`);
      });
    });
    // A scraper's keep-alive socket must not hold a finished process open.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host ?? '0.0.0.0', () => { server.off('error', reject); resolve(); });
    });
    server.unref();
    return new MetricsServer(server);
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }
  get host(): string { return (this.server.address() as AddressInfo).address; }

  /** Stops listening and drops open connections at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    this.server.closeAllConnections();
  }
}

async function handle(metrics: Metrics, readiness: Readiness, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  switch (url.pathname) {
    case '/metrics': {
      const body = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType }).end(body);
      return;
    }
    case '/healthz':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"alive":true}\n');
      return;
    case '/readyz': {
      const report = await readiness.report();
      res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report) + '\n');
      return;
    }
    default:
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
  }
}
