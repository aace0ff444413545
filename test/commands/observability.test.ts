import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { metricsEndpoint, Observability } from '../../src/commands/observability.js';
import { UsageError } from '../../src/commands/usage-error.js';
import { Logger } from '../../src/core/log.js';
import { RedisTransport } from '../../src/core/transport/redis-transport.js';
import { REDIS_URL, testPrefix, deleteKeys } from '../helpers.js';

function readyz(port: number): Promise<{ status: number; report: { ready: boolean; failed: string[]; checks: Record<string, { ok: boolean; detail?: string }> } }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/readyz' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, report: JSON.parse(body) }));
    }).on('error', reject);
  });
}

const quiet = new Logger({ json: true, level: 'error' });
const info = { streamId: 'cam', source: 'rtsp://cam', width: 8, height: 8, fps: 25, durationMs: null, hasAudio: false, audioCodec: null, live: true };

describe('--metrics-port / --metrics-host', () => {
  it('off by default; a port in [0, 65535]; a host only with a port', () => {
    expect(metricsEndpoint({})).toBeNull();
    expect(metricsEndpoint({ 'metrics-port': '0' })).toEqual({ port: 0, host: '0.0.0.0' });
    expect(metricsEndpoint({ 'metrics-port': '9464', 'metrics-host': '127.0.0.1' })).toEqual({ port: 9464, host: '127.0.0.1' });
    for (const bad of ['-1', '65536', '9.5', 'x', '']) expect(() => metricsEndpoint({ 'metrics-port': bad })).toThrow(UsageError);
    expect(() => metricsEndpoint({ 'metrics-host': '127.0.0.1' })).toThrow(/--metrics-host needs --metrics-port/);
  });
});

describe('readiness of a role (real server)', () => {
  it('producer: not ready before the first frame, while reconnecting and after the end; ready while frames come or back-pressure holds them', async () => {
    const obs = await Observability.start({ role: 'produce', endpoint: { port: 0, host: '127.0.0.1' }, source: { streamId: 'cam', stallMs: 300 }, logger: quiet });
    const port = (obs as unknown as { server: { port: number } }).server.port;
    try {
      const s = obs.metrics.stream('cam');
      const expectSource = async (status: number, detail?: RegExp) => {
        const r = await readyz(port);
        expect(r.status).toBe(status);
        if (detail) expect(r.report.checks.source.detail).toMatch(detail);
      };
      await expectSource(503, /no frame from the source yet/);
      s.opened(info);
      s.decoded();
      await expectSource(200);
      await new Promise((r) => setTimeout(r, 500)); // past the 300 ms stall window
      await expectSource(503, /no frame for 0\.\d s \(stall window 0\.3 s\)/);
      s.publishing = true; // waiting on the transport's back-pressure: not the source's fault
      await expectSource(200, /waiting for the pipeline/);
      s.publishing = false;
      s.sourceLost();
      await expectSource(503, /reconnecting/);
      s.sourceBack();
      s.decoded();
      await expectSource(200);
      s.sourceEnded();
      await expectSource(503, /source ended/);
    } finally {
      await obs.close();
    }
  });

  it('a Redis role: not ready until its transport is attached, ready once it answers PING', async () => {
    const prefix = testPrefix();
    const obs = await Observability.start({ role: 'compose', endpoint: { port: 0, host: '127.0.0.1' }, redis: true, logger: quiet });
    const port = (obs as unknown as { server: { port: number } }).server.port;
    const transport = await RedisTransport.connect({ url: REDIS_URL, prefix });
    try {
      const before = await readyz(port);
      expect(before.status).toBe(503);
      expect(before.report).toMatchObject({ failed: ['redis'], checks: { redis: { ok: false, detail: 'not connected to Redis yet' } } });
      obs.attach(transport);
      const after = await readyz(port);
      expect(after.status).toBe(200);
    } finally {
      await obs.close();
      await transport.close();
      await deleteKeys(prefix);
    }
  });
});
