import { readFileSync } from 'node:fs';
import net from 'node:net';
import { VideoDecoder, type DecoderEnd } from '../../../src/core/media/video-decoder.js';
import { VideoEncoder, type EncodeResult } from '../../../src/core/media/video-encoder.js';

/** A TCP port nobody listens on right now (also fine as a UDP port on loopback in practice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True while a process with this pid exists (Node reaps its children, so no zombies linger). */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => boolean, ms: number, step = 20): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, step));
  }
  return cond();
}

/** Resident memory of a process in bytes (Linux /proc), or null. */
export function rssOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** decode → encode (the compositor's path, without drawing), with the source's audio if any. */
export async function decodeEncode(
  src: string,
  out: string,
  opts: { maxFrames?: number; audio?: boolean; logger?: { info(m: string): void; warn(m: string): void } } = {},
): Promise<{ result: EncodeResult; end: DecoderEnd; decodeMs: number; encodeWriteMs: number }> {
  const d = new VideoDecoder(src, 'rt', { maxFrames: opts.maxFrames });
  const info = await d.info();
  const enc = new VideoEncoder(out, {
    width: info.width,
    height: info.height,
    audio: opts.audio === false || !info.hasAudio ? undefined : { source: src, codec: info.audioCodec },
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  let decodeMs = 0;
  let encodeWriteMs = 0;
  try {
    const it = d.frames();
    for (;;) {
      const t0 = performance.now();
      const r = await it.next();
      decodeMs += performance.now() - t0;
      if (r.done) break;
      const t1 = performance.now();
      await enc.write(r.value.yuv);
      encodeWriteMs += performance.now() - t1;
    }
    const end = d.end();
    const result = await enc.finish({ frames: end.frames, firstPtsMs: end.firstPtsMs, lastPtsMs: end.lastPtsMs, sourceDurationMs: info.durationMs });
    return { result, end, decodeMs, encodeWriteMs };
  } catch (e) {
    enc.abort();
    d.close();
    throw e;
  }
}
