/**
 * SourceSupervisor: one decoder at a time over a source, reopened after a live source is lost.
 * The live cases use a real RTSP server (test/fixtures/rtsp/serve.py: GStreamer, loopback, TCP),
 * paused with SIGSTOP or killed; skipped with a message when /usr/bin/python3 cannot run it.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestClip } from '../../../src/core/media/test-clip.js';
import { SourceSupervisor } from '../../../src/core/media/source-supervisor.js';
import type { DecodedFrame } from '../../../src/core/media/video-decoder.js';
import { Logger } from '../../../src/core/log.js';
import type { StreamEvent } from '../../../src/core/types.js';
import { freePort } from './media-helpers.js';
import { exited, tempDir } from '../../helpers.js';
import { PYTHON, rtspServerMissing, startRtspServer, tcpConnectError } from '../../fixtures/rtsp/rtsp-server.js';

const missing = rtspServerMissing();
if (missing) console.warn(`[segstream tests] RTSP supervisor tests SKIPPED: ${PYTHON} cannot run a GStreamer RTSP server (${missing})`);

const quiet = new Logger({ level: 'error' });
let tmp: ReturnType<typeof tempDir>;
let servers: ChildProcess[] = [];

async function startServer(clip: string): Promise<{ url: string; child: ChildProcess; port: number }> {
  const s = await startRtspServer(clip);
  servers.push(s.child);
  return s;
}


/** Iterates the supervisor, doing `each` after every frame; returns frames, events and the end. */
async function drive(s: SourceSupervisor, events: StreamEvent[], each?: (f: DecodedFrame) => void | Promise<void>) {
  const frames: DecodedFrame[] = [];
  for await (const f of s.frames()) {
    frames.push(f);
    await each?.(f);
  }
  return { frames, events, end: s.end() };
}

beforeAll(async () => {
  tmp = tempDir('supervisor');
  await Promise.all([
    makeTestClip(tmp.file('long.mp4'), { width: 160, height: 96, fps: 25, seconds: 30 }),
    makeTestClip(tmp.file('short.mp4'), { width: 160, height: 96, fps: 25, seconds: 1 }),
  ]);
}, 60_000);
afterEach(async () => {
  await Promise.all(servers.map(async (c) => { c.kill('SIGCONT'); c.kill('SIGKILL'); await exited(c); }));
  servers = [];
});
afterAll(() => tmp?.cleanup());

describe('SourceSupervisor', () => {
  it('a file is read once, to its end: never reopened', async () => {
    const events: StreamEvent[] = [];
    const s = new SourceSupervisor(tmp.file('short.mp4'), 'f', { logger: quiet, onEvent: (e) => { events.push(e); } });
    const r = await drive(s, events);
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(25).keys()]);
    expect(r.end).toMatchObject({ frames: 25, reason: 'eof', reconnects: 0 });
    expect(r.end.error).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('a live source whose first connection fails is an error at once, not retried', async () => {
    const port = await freePort();
    expect(await tcpConnectError(port)).toBe('ECONNREFUSED');
    const events: StreamEvent[] = [];
    const s = new SourceSupervisor(`rtsp://127.0.0.1:${port}/cam`, 'x', { logger: quiet, onEvent: (e) => { events.push(e); } });
    const started = Date.now();
    await expect(s.info()).rejects.toThrow(/connection refused/i);
    await expect(drive(s, events)).rejects.toThrow(/connection refused/i);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(events).toEqual([]);
    expect(s.end().reconnects).toBe(0);
  });
});

describe.skipIf(missing !== null)('SourceSupervisor over RTSP (GStreamer server, loopback, TCP)', () => {
  it('the server pauses longer than the stall timeout: stalled, reopened, frames go on (seq and PTS continue)', async () => {
    const server = await startServer(tmp.file('long.mp4'));
    const events: StreamEvent[] = [];
    const s = new SourceSupervisor(server.url, 'st', {
      maxFrames: 60, dropOldest: true, stallTimeoutMs: 1500, logger: quiet, onEvent: (e) => { events.push(e); },
    });
    let stoppedAt = 0;
    const r = await drive(s, events, (f) => {
      if (f.seq === 20) {
        server.child.kill('SIGSTOP'); // connection open, nothing sent: only the watchdog can tell
        stoppedAt = Date.now();
        setTimeout(() => server.child.kill('SIGCONT'), 4000);
      }
    });
    const pausedMs = Date.now() - stoppedAt;
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(60).keys()]);
    expect(r.end).toMatchObject({ frames: 60, reason: 'maxFrames', reconnects: 1 });
    expect(r.end.error).toBeUndefined();
    expect(events.map((e) => e.kind)).toEqual(['source-lost', 'source-back']);
    const [lost, back] = events as [StreamEvent, StreamEvent];
    expect(lost.reason).toMatch(/stalled/);
    expect(lost.atSeq).toBe(back.atSeq);
    const i = back.atSeq;
    expect(i).toBeGreaterThan(20);
    const pts = r.frames.map((f) => f.ptsMs);
    for (let k = 1; k < pts.length; k++) expect(pts[k], `ptsMs: ${pts.join(' ')}`).toBeGreaterThan(pts[k - 1]);
    // The jump is the outage, in wall-clock time: at least the 4 s pause, not a restart at 0.
    const jump = pts[i] - pts[i - 1];
    expect(jump).toBeCloseTo(back.gapMs!, 3);
    expect(jump).toBeGreaterThan(3500);
    expect(jump).toBeLessThan(pausedMs + 1000);
  }, 60_000);

  it('reconnect: 2, the server gone for good: gives up after 2 failed attempts, says so, keeps its frames', async () => {
    const server = await startServer(tmp.file('long.mp4'));
    const events: StreamEvent[] = [];
    const s = new SourceSupervisor(server.url, 'gone', { reconnect: 2, dropOldest: true, logger: quiet, onEvent: (e) => { events.push(e); } });
    let refused: string | null = 'not tried';
    let killedAt = 0;
    const r = await drive(s, events, async (f) => {
      if (f.seq === 10) {
        server.child.kill('SIGKILL');
        await exited(server.child);
        killedAt = Date.now();
        refused = await tcpConnectError(server.port);
      }
    });
    expect(refused).toBe('ECONNREFUSED'); // really down
    expect(r.frames.length).toBeGreaterThanOrEqual(11);
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(r.frames.length).keys()]);
    expect(r.end).toMatchObject({ reason: 'error', reconnects: 0 });
    expect(r.end.error).toMatch(/^the source was lost \(the RTSP server closed the connection .*\) and did not come back: 2 reconnect attempt\(s\) failed, the last with: .*connection refused/i);
    expect(events.map((e) => [e.kind, e.atSeq])).toEqual([['source-lost', r.frames.length]]);
    // 0.5 s + 1 s of backoff, two refused connections: seconds, not the stall timeout
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  }, 60_000);

  it('close() while it waits to reconnect ends the iteration at once (Ctrl-C during an outage)', async () => {
    const server = await startServer(tmp.file('long.mp4'));
    const events: StreamEvent[] = [];
    let closedAt = 0;
    const s = new SourceSupervisor(server.url, 'ctl', {
      dropOldest: true, logger: quiet, backoff: { initialMs: 30_000, maxMs: 30_000 },
      onEvent: (e) => { events.push(e); if (e.kind === 'source-lost') { closedAt = Date.now(); s.close(); } },
    });
    const r = await drive(s, events, (f) => { if (f.seq === 5) server.child.kill('SIGKILL'); });
    expect(Date.now() - closedAt).toBeLessThan(2000); // not the 30 s backoff
    expect(r.end).toMatchObject({ reason: 'closed', reconnects: 0 });
    expect(events.map((e) => e.kind)).toEqual(['source-lost']);
  }, 60_000);
});
