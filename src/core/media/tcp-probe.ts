import net from 'node:net';
import type { SourceSpec } from './source.js';

/** Where a network source's server listens, or null when it has none (udp/rtp: we listen). */
export function serverAddress(spec: SourceSpec): { host: string; port: number } | null {
  const defaults: Record<string, number> = { rtsp: 554, rtsps: 322, http: 80, https: 443 };
  const fallback = defaults[spec.scheme];
  if (fallback === undefined) return null;
  let url: URL;
  try {
    url = new URL(spec.source);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return null;
  return { host, port: url.port ? Number(url.port) : fallback };
}

/** Whether a TCP connection to host:port is accepted within `timeoutMs` (then closed at once). */
export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
