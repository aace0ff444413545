/**
 * `segstream dashboard [--port 8080] [--host ADDR] [--redis URL]`: the live page over a
 * deployment's Redis (src/dashboard/dashboard-server.ts), until SIGTERM/SIGINT.
 */
import { DashboardServer } from '../dashboard/dashboard-server.js';
import { log } from '../core/log.js';
import { redactUrl } from '../core/transport/redis-connection.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

export const DASHBOARD_USAGE = 'usage: segstream dashboard [--port 8080] [--host 0.0.0.0] [--redis URL]';

export async function dashboardCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseOptions(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }, false));
  } catch (err) {
    process.stderr.write(`segstream: error: ${(err as Error).message}\n${DASHBOARD_USAGE}\n`);
    return 2;
  }
  if (values.help) { process.stdout.write(`${DASHBOARD_USAGE}\n`); return 0; }
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!/^\d{1,5}$/.test(values.port ?? '8080') || port > 65535) {
    process.stderr.write(`segstream: error: ${new UsageError(`invalid --port '${values.port}': expected a port in [0, 65535] (0 = any free port)`).message}\n`);
    return 2;
  }
  const redisUrl = values.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let server: DashboardServer;
  try {
    server = await DashboardServer.start({ redisUrl, prefix: process.env.SEGSTREAM_REDIS_PREFIX || undefined, port, host: values.host });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`segstream: error: cannot start the dashboard: ${e.code === 'EADDRINUSE' ? `port ${port} is in use` : e.message.split('\n')[0]}\n`);
    return 1;
  }
  const host = values.host && values.host !== '0.0.0.0' ? values.host : 'localhost';
  log.info(`dashboard on http://${host}:${server.port}/ (queue: /queues)`, { port: server.port, redis: redactUrl(redisUrl) });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  return 0;
}
