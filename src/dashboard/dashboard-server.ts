/**
 * `segstream dashboard`: one page over a deployment's Redis. It reads the stream and worker
 * registries (src/core/transport/stream-registry.ts, worker-registry.ts) and the frame queue,
 * pushes a snapshot every second over Server-Sent Events, serves each stream's latest thumbnail
 * and, where the compositor's `--hls` directory is readable here, its live HLS view; the BullMQ
 * queue itself is mounted with bull-board under /queues.
 */
import { existsSync, realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { packageRoot } from '../core/package-root.js';
import { log as rootLog, type Logger } from '../core/log.js';
import { RedisTransport } from '../core/transport/redis-transport.js';
import { StreamRegistry, type StreamStatus } from '../core/transport/stream-registry.js';
import { WorkerRegistry, type WorkerEntry } from '../core/transport/worker-registry.js';
import { HLS_PLAYLIST, HLS_SEGMENT_RE } from '../core/media/hls-encoder.js';

export interface DashboardOptions {
  /** The deployment's Redis. */
  redisUrl: string;
  /** Key prefix of the deployment. @defaultValue '{segstream}' (or SEGSTREAM_REDIS_PREFIX) */
  prefix?: string;
  /** 0: any free port. @defaultValue 8080 */
  port?: number;
  /** @defaultValue '0.0.0.0' */
  host?: string;
  /** How often the page gets a new snapshot. @defaultValue 1000 ms */
  intervalMs?: number;
}

/** What the page shows, as one JSON document. */
export interface DashboardSnapshot {
  at: number;
  streams: StreamStatus[];
  workers: WorkerEntry[];
  /** BullMQ job counts of the frame queue. */
  queue: Record<string, number>;
}

const PUBLIC = () => path.join(packageRoot(), 'src', 'dashboard', 'public');

export class DashboardServer {
  private readonly clients = new Set<Response>();
  private timer: NodeJS.Timeout | null = null;
  private last: DashboardSnapshot | null = null;

  private constructor(
    private readonly transport: RedisTransport,
    private readonly streams: StreamRegistry,
    private readonly workers: WorkerRegistry,
    private readonly server: Server,
    private readonly log: Logger,
  ) {}

  /** Listens, and starts the snapshots. */
  static async start(opts: DashboardOptions, log: Logger = rootLog): Promise<DashboardServer> {
    const transport = await RedisTransport.connect({ url: opts.redisUrl, prefix: opts.prefix });
    const streams = new StreamRegistry(transport.client, transport.keys);
    const workers = new WorkerRegistry(transport.client, transport.keys);
    const app = express();
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(opts.port ?? 8080, opts.host ?? '0.0.0.0', (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });
    const d = new DashboardServer(transport, streams, workers, server, log.child({ role: 'dashboard' }));
    d.routes(app);
    d.timer = setInterval(() => { void d.tick(); }, opts.intervalMs ?? 1000);
    void d.tick();
    return d;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The current snapshot (also what /api/snapshot returns). */
  async snapshot(): Promise<DashboardSnapshot> {
    const [streams, workers, queue] = await Promise.all([this.streams.list(), this.workers.list(), this.transport.jobCounts()]);
    return { at: Date.now(), streams, workers, queue };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.transport.close();
  }

  private routes(app: express.Express): void {
    const board = new ExpressAdapter();
    board.setBasePath('/queues');
    createBullBoard({ queues: [new BullMQAdapter(this.transport.frameQueue, { readOnlyMode: false })], serverAdapter: board });
    app.use('/queues', board.getRouter());

    app.get('/', (_req, res) => res.sendFile(path.join(PUBLIC(), 'index.html')));
    app.get('/dashboard.js', (_req, res) => res.sendFile(path.join(PUBLIC(), 'dashboard.js')));
    app.get('/dashboard.css', (_req, res) => res.sendFile(path.join(PUBLIC(), 'dashboard.css')));
    // Served from node_modules: the page works without internet access.
    app.get('/vendor/hls.min.js', (_req, res) => res.sendFile(path.join(packageRoot(), 'node_modules', 'hls.js', 'dist', 'hls.min.js')));
    app.get('/api/snapshot', (_req, res) => { void this.snapshot().then((s) => res.json(s), (err: Error) => res.status(503).json({ error: err.message })); });
    app.get('/events', (req, res) => this.subscribe(req, res));
    app.get('/thumb/:stream', (req, res) => { void this.thumbnail(req.params.stream!, res); });
    app.get('/hls/:stream/:file', (req, res) => { void this.hls(req.params.stream!, req.params.file!, res); });
  }

  private subscribe(req: Request, res: Response): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    if (this.last) res.write(`data: ${JSON.stringify(this.last)}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  private async tick(): Promise<void> {
    try {
      this.last = await this.snapshot();
    } catch (err) {
      // Redis away: the page keeps its last picture and says how old it is.
      this.log.debug('snapshot skipped', { error: (err as Error).message });
      return;
    }
    const line = `data: ${JSON.stringify(this.last)}\n\n`;
    for (const c of this.clients) c.write(line);
  }

  private async thumbnail(streamId: string, res: Response): Promise<void> {
    const jpeg = await this.streams.thumbnail(streamId).catch(() => null);
    if (!jpeg) { res.status(404).end(); return; }
    res.setHeader('content-type', 'image/jpeg');
    res.setHeader('cache-control', 'no-store');
    res.end(jpeg);
  }

  /** Files of a stream's HLS view, from the directory its compositor reported; nothing else. */
  private async hls(streamId: string, file: string, res: Response): Promise<void> {
    if (file !== HLS_PLAYLIST && !HLS_SEGMENT_RE.test(file)) { res.status(404).end(); return; }
    const status = await this.streams.get(streamId).catch(() => null);
    const dir = status?.compositor?.hls;
    const full = dir ? path.join(dir, file) : null;
    if (!full || !existsSync(full) || path.dirname(realpathSync(full)) !== realpathSync(dir!)) { res.status(404).end(); return; }
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-type', file === HLS_PLAYLIST ? 'application/vnd.apple.mpegurl' : 'video/mp2t');
    res.sendFile(full);
  }
}
