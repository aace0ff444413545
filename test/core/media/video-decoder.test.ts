import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../../src/core/media/ffmpeg-path.js';
import { killAllMediaChildren, liveMediaChildren } from '../../../src/core/media/process.js';
import { makeTestClip } from '../../../src/core/media/test-clip.js';
import { VideoDecoder, type DecodedFrame } from '../../../src/core/media/video-decoder.js';
import { FramePool } from '../../../src/core/media/frame-pool.js';
import { alive, freePort, waitFor } from './media-helpers.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir('dec');
const clip25 = tmp.file('c25.mp4');
const clipNtsc = tmp.file('ntsc.mp4');
const clipAudio = tmp.file('audio.mp4');
const clipLong = tmp.file('long.mp4');

beforeAll(async () => {
  await Promise.all([
    makeTestClip(clip25, { width: 160, height: 96, fps: 25, seconds: 2 }),
    makeTestClip(clipNtsc, { width: 160, height: 96, fps: '30000/1001', seconds: 2 }),
    makeTestClip(clipAudio, { width: 128, height: 72, fps: 25, seconds: 1, audio: true }),
    makeTestClip(clipLong, { width: 640, height: 360, fps: 25, seconds: 12 }),
  ]);
}, 60_000);
afterAll(() => tmp.cleanup());

async function collect(d: VideoDecoder): Promise<DecodedFrame[]> {
  const out: DecodedFrame[] = [];
  for await (const f of d.frames()) out.push(f);
  return out;
}

describe('VideoDecoder', () => {
  it('decodes every frame with size, seq and exact source PTS (25 fps)', async () => {
    const d = new VideoDecoder(clip25, 's1');
    const info = await d.info();
    expect(info).toMatchObject({ streamId: 's1', source: clip25, width: 160, height: 96, fps: 25, live: false, hasAudio: false, audioCodec: null });
    expect(info.durationMs).toBe(2000);
    const frames = await collect(d);
    expect(frames.length).toBe(50);
    frames.forEach((f, k) => {
      expect(f.seq).toBe(k);
      expect(f.ptsMs).toBe(k * 40);
      expect([f.width, f.height, f.yuv.length]).toEqual([160, 96, 160 * 96 * 3 / 2]);
    });
    // each frame owns its memory
    expect(new Set(frames.map((f) => f.yuv.buffer)).size).toBe(50);
    expect(frames[0].yuv.byteOffset).toBe(0);
    expect(d.end()).toMatchObject({ frames: 50, firstPtsMs: 0, lastPtsMs: 49 * 40, reason: 'eof', exitCode: 0 });
    expect(d.end().error).toBeUndefined();
  });

  it('with a pool, reuses the buffers given back and still delivers each frame\'s own pixels', async () => {
    const plain = await collect(new VideoDecoder(clip25, 'plain'));
    const pool = new FramePool();
    const d = new VideoDecoder(clip25, 'pooled', { pool });
    const buffers = new Set<ArrayBufferLike>();
    let k = 0;
    for await (const f of d.frames()) {
      expect(Buffer.compare(f.yuv, plain[k].yuv)).toBe(0);
      buffers.add(f.yuv.buffer);
      pool.give(f.yuv); // the consumer is done with it at once
      k++;
    }
    expect(k).toBe(50);
    // 50 frames through a few buffers: those decoded ahead of the consumer (the pipe keeps
    // delivering what ffmpeg already wrote after it is paused, so a loaded machine sees several).
    expect(buffers.size).toBeLessThanOrEqual(16);
    expect(pool.allocated).toBe(buffers.size);
  });

  it('keeps fractional-rate PTS exact: 30000/1001 → k·1001/30 ms (to the µs)', async () => {
    const d = new VideoDecoder(clipNtsc, 'ntsc');
    const frames = await collect(d);
    expect(frames.length).toBe(60);
    for (const f of frames) expect(Math.abs(f.ptsMs - (f.seq * 1001) / 30)).toBeLessThanOrEqual(0.0005 + 1e-9);
    expect(frames[59].ptsMs).toBe(1968.633); // 59 × 1001 / 30, rounded to the µs
    expect((await d.info()).fps).toBeCloseTo(29.97, 2);
  });

  it('subsamples with fps and stops at maxFrames', async () => {
    const sub = await collect(new VideoDecoder(clip25, 'sub', { fps: 5 }));
    expect(sub.length).toBe(10);
    expect(sub.map((f) => f.ptsMs)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800]);
    const d = new VideoDecoder(clip25, 'max', { maxFrames: 7 });
    const first = await collect(d);
    expect(first.length).toBe(7);
    expect(first[6].ptsMs).toBe(240);
    expect(d.end()).toMatchObject({ frames: 7, reason: 'maxFrames' });
    expect(d.end().error).toBeUndefined();
  });

  it('copes with frame bytes arriving before the header that gives their size (stderr delayed)', async () => {
    // A wrapper that holds ffmpeg's stderr back 300 ms: stdout overtakes the `Output #0` line.
    const wrapper = tmp.file('slow-stderr-ffmpeg.sh');
    writeFileSync(wrapper, `#!/bin/bash\nexec ${JSON.stringify(ffmpegPath())} "$@" 2> >(sleep 0.3; exec cat >&2)\n`);
    chmodSync(wrapper, 0o755);
    const saved = process.env['FFMPEG_PATH'];
    process.env['FFMPEG_PATH'] = wrapper;
    try {
      const d = new VideoDecoder(clip25, 'race', { stallTimeoutMs: 5000 });
      const frames = await collect(d);
      expect(frames.length).toBe(50);
      expect(frames.map((f) => f.ptsMs)).toEqual([...Array(50).keys()].map((k) => k * 40));
    } finally {
      if (saved === undefined) delete process.env['FFMPEG_PATH'];
      else process.env['FFMPEG_PATH'] = saved;
    }
  });

  it('reports audio presence and codec', async () => {
    const d = new VideoDecoder(clipAudio, 'a');
    const info = await d.info();
    d.close();
    expect(info).toMatchObject({ hasAudio: true, audioCodec: 'aac', width: 128, height: 72 });
  });

  it('applies back-pressure: a slow consumer pauses ffmpeg instead of buffering the video', async () => {
    const d = new VideoDecoder(clipLong, 'bp'); // 300 frames of 640x360 (104 MB of yuv420p)
    const it = d.frames();
    const heap0 = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 3; i++) expect((await it.next()).done).toBe(false);
    const pid = d.pid;
    await new Promise((r) => setTimeout(r, 1500)); // ffmpeg alone would finish in well under 1.5 s
    const s = d.stats();
    expect(s.paused).toBe(true);
    expect(s.buffered).toBeLessThanOrEqual(2);
    expect(s.ptsAhead).toBeLessThan(30); // ffmpeg ran only a few frames ahead (its own queues)
    expect(alive(pid)).toBe(true); // blocked on the pipe, not done
    expect(process.memoryUsage().arrayBuffers - heap0).toBeLessThan(20 * 640 * 360 * 3 / 2);
    let n = 3;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      n++;
    }
    expect(n).toBe(300);
  });

  it('dropOldest (live mode): never pauses ffmpeg, drops the oldest frames, keeps seq contiguous', async () => {
    const d = new VideoDecoder(clip25, 'live', { dropOldest: true, bufferFrames: 3 });
    const got: DecodedFrame[] = [];
    for await (const f of d.frames()) {
      got.push(f);
      expect(d.stats().paused).toBe(false);
      await new Promise((r) => setTimeout(r, 40)); // slower than ffmpeg
    }
    const end = d.end();
    expect(end.dropped).toBeGreaterThan(0);
    expect(end.frames + end.dropped).toBe(50);
    expect(got.map((f) => f.seq)).toEqual([...Array(got.length).keys()]);
    for (let i = 1; i < got.length; i++) expect(got[i].ptsMs).toBeGreaterThan(got[i - 1].ptsMs);
    expect(got.at(-1)!.ptsMs).toBe(1960); // the newest frames survive
  });

  it('dropOldest: maxFrames counts the frames delivered, not decoded (exactly N despite drops)', async () => {
    // ffmpeg -re: the 2 s clip comes in real time (25 fps), like a live source; the consumer
    // takes 100 ms a frame, so it reaches 10 frames well before the clip ends, after drops.
    const wrapper = tmp.file('realtime-ffmpeg.sh');
    const argsLog = tmp.file('realtime-ffmpeg.args');
    writeFileSync(wrapper, `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(argsLog)}\nexec ${JSON.stringify(ffmpegPath())} -re "$@"\n`);
    chmodSync(wrapper, 0o755);
    const saved = process.env['FFMPEG_PATH'];
    process.env['FFMPEG_PATH'] = wrapper;
    try {
      const d = new VideoDecoder(clip25, 'dropmax', { dropOldest: true, bufferFrames: 2, maxFrames: 10 });
      const got: DecodedFrame[] = [];
      let pid: number | undefined;
      for await (const f of d.frames()) {
        pid ??= d.pid;
        got.push(f);
        await new Promise((r) => setTimeout(r, 100)); // slower than the source: frames are dropped
      }
      const end = d.end();
      expect(got.length).toBe(10);
      expect(end).toMatchObject({ frames: 10, reason: 'maxFrames', firstPtsMs: 0, lastPtsMs: got[9].ptsMs });
      expect(end.error).toBeUndefined();
      expect(end.dropped).toBeGreaterThan(0);
      expect(got.map((f) => f.seq)).toEqual([...Array(10).keys()]);
      expect(got.at(-1)!.ptsMs).toBeLessThan(1960); // stopped before the clip's end
      expect(readFileSync(argsLog, 'utf8')).not.toMatch(/-frames:v/);
      expect(await waitFor(() => !alive(pid), 3000)).toBe(true); // ffmpeg stopped at the limit
      d.close();
      expect(d.end().reason).toBe('maxFrames'); // close() after the limit does not make it 'closed'
      expect(d.end().error).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env['FFMPEG_PATH'];
      else process.env['FFMPEG_PATH'] = saved;
    }
  });

  describe('live timing (ffmpeg wrapped to replay a clip as a udp:// source with PTS rewritten)', () => {
    /**
     * A wrapper that feeds clip25 to ffmpeg in place of the udp:// input, and rewrites its PTS
     * with `setpts`. Each run's arguments go to `argsLog`.
     */
    function liveWrapper(name: string, setpts: string): { bin: string; argsLog: string } {
      const bin = tmp.file(`${name}.sh`);
      const argsLog = tmp.file(`${name}.args`);
      writeFileSync(
        bin,
        [
          '#!/bin/bash',
          `printf '%s\n' "$*" >> ${JSON.stringify(argsLog)}`,
          'args=(); prev=',
          'for a in "$@"; do',
          '  case "$prev" in',
          `    -i) [[ $a == udp:* ]] && a=${JSON.stringify(`file:${clip25}`)} ;;`,
          '    -protocol_whitelist) a=udp,file ;;',
          `    -vf) a="setpts='${setpts}',$a" ;;`,
          '  esac',
          '  args+=("$a"); prev=$a',
          'done',
          `exec ${JSON.stringify(ffmpegPath())} "\${args[@]}"`,
          '',
        ].join('\n'),
      );
      chmodSync(bin, 0o755);
      return { bin, argsLog };
    }

    async function withFfmpeg<T>(bin: string, fn: () => Promise<T>): Promise<T> {
      const saved = process.env['FFMPEG_PATH'];
      process.env['FFMPEG_PATH'] = bin;
      try {
        return await fn();
      } finally {
        if (saved === undefined) delete process.env['FFMPEG_PATH'];
        else process.env['FFMPEG_PATH'] = saved;
      }
    }

    // The pattern ffmpeg 4.1 gives the first RTSP frames with its default probe (0 -200 -160 ...
    // -40 0 40 ...), then a clock reset 5 s back at frame 30.
    const misTimed = 'round(if(eq(N,0),0,(N-6)*0.04-if(gte(N,30),5,0))/TB)';

    it('drops the mis-timed first frames and re-bases a clock reset: PTS strictly increase', async () => {
      const { bin } = liveWrapper('mistimed', misTimed);
      const port = await freePort();
      const d = new VideoDecoder(`udp://127.0.0.1:${port}`, 'mt', { stallTimeoutMs: 10_000 });
      const frames = await withFfmpeg(bin, () => collect(d));
      // frames 1-6 (-200..0) are not after frame 0 (0): dropped; frame 30 (960 - 5000 ms) comes
      // one frame after frame 29 (920), and every later one with it
      expect(frames.map((f) => f.ptsMs)).toEqual([...Array(44).keys()].map((k) => k * 40));
      expect(frames.map((f) => f.seq)).toEqual([...Array(44).keys()]);
      expect(d.end()).toMatchObject({ frames: 44, firstPtsMs: 0, lastPtsMs: 43 * 40, misTimed: 6, dropped: 0, reason: 'eof' });
      expect(d.end().error).toBeUndefined();
    });

    it('maxFrames counts delivered frames for a live source (no -frames:v): exactly N', async () => {
      const { bin, argsLog } = liveWrapper('livemax', misTimed);
      const port = await freePort();
      const d = new VideoDecoder(`udp://127.0.0.1:${port}`, 'lm', { maxFrames: 20, stallTimeoutMs: 10_000 });
      const frames = await withFfmpeg(bin, () => collect(d));
      expect(frames.map((f) => f.ptsMs)).toEqual([...Array(20).keys()].map((k) => k * 40));
      expect(d.end()).toMatchObject({ frames: 20, firstPtsMs: 0, lastPtsMs: 760, misTimed: 6, reason: 'maxFrames' });
      expect(d.end().error).toBeUndefined();
      expect(readFileSync(argsLog, 'utf8')).not.toMatch(/-frames:v/);
    });
  });

  it('the stall watchdog does not count the time to connect and probe', async () => {
    // 2 s before ffmpeg starts (connecting, probing), then 2 s more before its frames arrive: with
    // a 3 s stall timeout, only the gap after the header (<= 2 s) may count.
    const wrapper = tmp.file('slow-start-ffmpeg.sh');
    writeFileSync(wrapper, `#!/bin/bash\nsleep 2\nexec ${JSON.stringify(ffmpegPath())} "$@" > >(sleep 2; exec cat)\n`);
    chmodSync(wrapper, 0o755);
    const saved = process.env['FFMPEG_PATH'];
    process.env['FFMPEG_PATH'] = wrapper;
    try {
      const d = new VideoDecoder(clip25, 'slowstart', { stallTimeoutMs: 3000 });
      const frames = await collect(d);
      expect(frames.length).toBe(50);
      expect(d.end()).toMatchObject({ reason: 'eof', frames: 50 });
    } finally {
      if (saved === undefined) delete process.env['FFMPEG_PATH'];
      else process.env['FFMPEG_PATH'] = saved;
    }
  });

  it('kills ffmpeg when the consumer breaks out early', async () => {
    const d = new VideoDecoder(clipLong, 'brk');
    let n = 0;
    let pid: number | undefined;
    for await (const f of d.frames()) {
      pid ??= d.pid;
      if (++n === 5) break;
      void f;
    }
    expect(pid).toBeDefined();
    expect(await waitFor(() => !alive(pid), 3000)).toBe(true);
    expect(d.end()).toMatchObject({ frames: 5, reason: 'closed' });
    expect(d.end().error).toBeUndefined();
    d.close(); // idempotent
  });

  it('close() before or during info() leaves no child behind', async () => {
    const before = liveMediaChildren();
    const d = new VideoDecoder(clipLong, 'c');
    const p = d.info();
    d.close();
    await p.catch(() => undefined);
    const d2 = new VideoDecoder(clipLong, 'c2');
    await d2.info();
    const pid = d2.pid;
    d2.close();
    expect(await waitFor(() => !alive(pid) && liveMediaChildren() === before, 3000)).toBe(true);
  });

  it('killAllMediaChildren() (the process exit hook) kills running decoders', async () => {
    const d = new VideoDecoder(clipLong, 'k');
    await d.info();
    const pid = d.pid;
    expect(alive(pid)).toBe(true);
    killAllMediaChildren();
    expect(await waitFor(() => !alive(pid), 2000)).toBe(true);
    // killed by SIGKILL, not by close(): an error (thrown if no frame had been decoded yet)
    await (async () => { for await (const _ of d.frames()) void _; })().catch(() => undefined);
    expect(d.end().reason).toBe('error');
    expect(d.end().error).toMatch(/SIGKILL/);
  });

  it('decodes a live UDP MPEG-TS stream (udp://) and marks it live', async () => {
    const port = await freePort();
    const d = new VideoDecoder(`udp://127.0.0.1:${port}`, 'udp', { maxFrames: 20, stallTimeoutMs: 8000 });
    void d.info().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300)); // let the decoder bind first
    const sender = spawn(ffmpegPath(), ['-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x96:rate=25',
      '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '5', '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`], { stdio: 'ignore' });
    try {
      const info = await d.info();
      expect(info).toMatchObject({ live: true, durationMs: null, width: 160, height: 96 });
      const frames = await collect(d);
      expect(frames.length).toBe(20);
      for (let i = 1; i < frames.length; i++) expect(frames[i].ptsMs).toBeGreaterThan(frames[i - 1].ptsMs);
    } finally {
      sender.kill('SIGKILL');
    }
  });

  describe('over HTTP', () => {
    let server: http.Server;
    let base = '';
    let basePort = 0;
    let flakyDropped = false;
    const clipLongFs = tmp.file('long-fs.mp4');
    beforeAll(async () => {
      await makeTestClip(clipLongFs, { width: 320, height: 180, fps: 25, seconds: 8, faststart: true });
      const hls = tmp.file('hls');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(hls);
      const { runFfmpeg } = await import('../../../src/core/media/run-ffmpeg.js');
      await runFfmpeg(['-nostdin', '-loglevel', 'error', '-i', clip25, '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0',
        path.join(hls, 'index.m3u8')], 30_000, 'hls');
      server = http.createServer((req, res) => {
        const url = req.url ?? '/';
        if (url === '/evil.m3u8') {
          res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile://${clip25}\n#EXT-X-ENDLIST\n`);
          return;
        }
        if (url === '/flaky.mp4' && !flakyDropped) {
          flakyDropped = true;
          const body = readFileSync(clipLongFs);
          res.setHeader('Accept-Ranges', 'bytes');
          if (req.headers.range) {
            res.statusCode = 206;
            res.setHeader('Content-Range', `bytes 0-${body.length - 1}/${body.length}`);
          }
          res.setHeader('Content-Length', body.length);
          res.write(body.subarray(0, Math.floor(body.length / 3)), () => res.destroy()); // connection lost mid-file
          return;
        }
        const file = url === '/clip.mp4' ? clip25 : url === '/flaky.mp4' ? clipLongFs : url.startsWith('/hls/') ? path.join(hls, path.basename(url)) : null;
        try {
          if (!file) throw new Error('404');
          const body = readFileSync(file);
          // Range support: the mov demuxer seeks to the moov atom at the end.
          const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
          res.setHeader('Accept-Ranges', 'bytes');
          if (m) {
            const start = Number(m[1]);
            const end = m[2] ? Number(m[2]) : body.length - 1;
            res.statusCode = 206;
            res.setHeader('Content-Range', `bytes ${start}-${end}/${body.length}`);
            res.end(body.subarray(start, end + 1));
          } else {
            res.end(body);
          }
        } catch {
          res.statusCode = 404;
          res.end('not found');
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      basePort = (server.address() as { port: number }).port;
      base = `http://127.0.0.1:${basePort}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('reads an MP4 over http:// (not live: it has a duration)', async () => {
      const d = new VideoDecoder(`${base}/clip.mp4`, 'h');
      expect(await d.info()).toMatchObject({ live: false, durationMs: 2000 });
      expect((await collect(d)).length).toBe(50);
    });

    it('reconnects (Range request) when the server drops the connection mid-file', async () => {
      const d = new VideoDecoder(`${base}/flaky.mp4`, 'flaky');
      const frames = await collect(d);
      expect(flakyDropped).toBe(true);
      expect(frames.length).toBe(200);
      expect(d.end().error).toBeUndefined();
    });

    it('resolves host names itself (the static ffmpeg segfaults on any lookup): http://localhost/', async () => {
      const d = new VideoDecoder(`http://localhost:${basePort}/clip.mp4`, 'h');
      expect((await collect(d)).length).toBe(50);
    });

    it('reads an HLS playlist with the http-only protocol whitelist', async () => {
      const frames = await collect(new VideoDecoder(`${base}/hls/index.m3u8`, 'hls'));
      expect(frames.length).toBe(50);
    });

    it('refuses an HLS playlist that points at a local file', async () => {
      const d = new VideoDecoder(`${base}/evil.m3u8`, 'evil');
      await expect(d.info()).rejects.toThrow(/^cannot read input 'http:\/\/127\.0\.0\.1:\d+\/evil\.m3u8': /);
      await expect(collect(d)).rejects.toThrow();
    });

    it('maps 404 to a one-line error', async () => {
      const d = new VideoDecoder(`${base}/missing.mp4`, 'x');
      await expect(d.info()).rejects.toThrow(/^cannot read input 'http:\/\/127\.0\.0\.1:\d+\/missing\.mp4': HTTP 404 Not Found$/);
    });
  });
});
