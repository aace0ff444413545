import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../../../src/core/media/media-error.js';
import { liveMediaChildren } from '../../../src/core/media/process.js';
import { makeTestClip } from '../../../src/core/media/test-clip.js';
import { VideoDecoder } from '../../../src/core/media/video-decoder.js';
import { freePort, waitFor } from './media-helpers.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir('err');
const good = tmp.file('good.mp4');
const goodFaststart = tmp.file('good-fs.mp4');

beforeAll(async () => {
  await Promise.all([
    makeTestClip(good, { width: 160, height: 96, fps: 25, seconds: 4 }), // moov at the end
    makeTestClip(goodFaststart, { width: 160, height: 96, fps: 25, seconds: 4, faststart: true }),
    makeTestClip(tmp.file('audio-only-src.mp4'), { width: 64, height: 64, fps: 25, seconds: 1, audio: true }),
  ]);
  writeFileSync(tmp.file('empty.mp4'), '');
  writeFileSync(tmp.file('text.mp4'), 'this is not a video\n'.repeat(50));
  const bytes = readFileSync(good);
  writeFileSync(tmp.file('trunc.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.3)));
  const fs = readFileSync(goodFaststart);
  writeFileSync(tmp.file('trunc-fs.mp4'), fs.subarray(0, Math.floor(fs.length * 0.5)));
  mkdirSync(tmp.file('dir.mp4'));
  const { runFfmpeg } = await import('../../../src/core/media/run-ffmpeg.js');
  await runFfmpeg(['-nostdin', '-loglevel', 'error', '-y', '-i', tmp.file('audio-only-src.mp4'), '-vn', '-c:a', 'copy', tmp.file('audio.m4a')], 30_000, 'audio-only');
}, 60_000);
afterAll(() => tmp.cleanup());

/** Expects both info() and frames() to fail with this exact one-line message, quickly. */
async function expectFailure(source: string, message: string | RegExp, code: string, opts = {}): Promise<void> {
  const t0 = Date.now();
  const d = new VideoDecoder(source, 'bad', opts);
  const err = await d.info().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MediaError);
  const me = err as MediaError;
  if (typeof message === 'string') expect(me.message).toBe(message);
  else expect(me.message).toMatch(message);
  expect(me.message).not.toContain('\n');
  expect(me.code).toBe(code);
  await expect((async () => { for await (const _ of d.frames()) void _; })()).rejects.toThrow(me.message);
  expect(d.end()).toMatchObject({ frames: 0, error: me.message, reason: 'error' });
  expect(Date.now() - t0).toBeLessThan(10_000);
}

describe('VideoDecoder on bad input', () => {
  it('missing file', () => expectFailure(tmp.file('nope.mp4'), `cannot read input '${tmp.file('nope.mp4')}': no such file`, 'NO_SUCH_FILE'));
  it('empty file', () => expectFailure(tmp.file('empty.mp4'), `cannot read input '${tmp.file('empty.mp4')}': file is empty`, 'EMPTY_FILE'));
  it('a directory', () => expectFailure(tmp.file('dir.mp4'), `cannot read input '${tmp.file('dir.mp4')}': is a directory, not a video file`, 'NOT_A_FILE'));
  it('text file named .mp4', () =>
    expectFailure(tmp.file('text.mp4'), `cannot read input '${tmp.file('text.mp4')}': not a video file (Invalid data found when processing input)`, 'INVALID_DATA'));
  it('truncated MP4 (first 30 %, moov at the end)', () =>
    expectFailure(tmp.file('trunc.mp4'), `cannot read input '${tmp.file('trunc.mp4')}': truncated or incomplete MP4 (moov atom not found)`, 'TRUNCATED'));
  it('no video stream', () => expectFailure(tmp.file('audio.m4a'), `cannot read input '${tmp.file('audio.m4a')}': no video stream`, 'NO_VIDEO_STREAM'));
  it('unsupported scheme', () =>
    expectFailure('ftp://example.com/x.mp4', `unsupported input scheme 'ftp:' (use a file path, http(s)://, rtsp://, rtsps://, udp:// or rtp://)`, 'UNSUPPORTED_SCHEME'));
  it('other ffmpeg-only schemes are refused too (concat:, data:, pipe:)', async () => {
    for (const s of ['concat:a.mp4|b.mp4', 'data:video/mp4;base64,AAAA', 'pipe:0', 'subfile,,start,0,end,1,,:/etc/passwd']) {
      const d = new VideoDecoder(s, 'x');
      await expect(d.info()).rejects.toThrow(/unsupported input scheme|no such file/);
    }
  });
  it('connection refused (http, rtsp)', async () => {
    const port = await freePort();
    await expectFailure(`http://127.0.0.1:${port}/x.mp4`, `cannot read input 'http://127.0.0.1:${port}/x.mp4': connection refused`, 'CONNECTION_REFUSED');
    await expectFailure(`rtsp://user:secret@127.0.0.1:${port}/cam`, `cannot read input 'rtsp://user:***@127.0.0.1:${port}/cam': connection refused`, 'CONNECTION_REFUSED');
  });
  it('unknown host name', () =>
    expectFailure('rtsp://no-such-host.invalid/cam', /^cannot read input 'rtsp:\/\/no-such-host\.invalid\/cam': cannot resolve host/, 'HOST_NOT_FOUND'));

  it('a truncated faststart MP4 decodes what it can and reports it in end()', async () => {
    const d = new VideoDecoder(tmp.file('trunc-fs.mp4'), 't');
    let n = 0;
    for await (const _ of d.frames()) n++;
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThan(100);
    const end = d.end();
    expect(end.frames).toBe(n);
    expect(end.reason).toBe('error');
    expect(end.error).toMatch(/^input '.*trunc-fs\.mp4' is truncated or corrupt \(partial file\): decoded \d+ frame\(s\), up to [\d.]+ s of 4\.00 s$/);
  });

  it('a silent UDP source stalls: MediaError within a few seconds, child killed', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const d = new VideoDecoder(`udp://127.0.0.1:${port}`, 'stall', { stallTimeoutMs: 1500 });
    const err = await d.info().then(() => null, (e: unknown) => e as MediaError);
    expect(err?.message).toBe(`no frame from 'udp://127.0.0.1:${port}' for 1.5 s (stalled)`);
    expect(err?.code).toBe('STALLED');
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect((async () => { for await (const _ of d.frames()) void _; })()).rejects.toThrow(/stalled/);
    expect(d.end()).toMatchObject({ reason: 'stalled', frames: 0 });
  });

  it('an RTSP server that accepts and never answers: stalled or timed out, quickly', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // accepts, says nothing
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const t0 = Date.now();
      const d = new VideoDecoder(`rtsp://127.0.0.1:${port}/cam`, 'rtsp', { stallTimeoutMs: 1500 });
      const err = await d.info().then(() => null, (e: unknown) => e as MediaError);
      // -stimeout (the socket timeout, same value) and the watchdog race: either is fine.
      expect(err?.message).toMatch(/^(no frame from 'rtsp:\/\/127\.0\.0\.1:\d+\/cam' for 1\.5 s \(stalled\)|cannot read input 'rtsp:\/\/127\.0\.0\.1:\d+\/cam': .*)$/);
      expect(Date.now() - t0).toBeLessThan(6000);
    } finally {
      sockets.forEach((s) => s.destroy());
      server.close();
    }
  });

  it('leaves no ffmpeg children behind', async () => {
    expect(await waitFor(() => liveMediaChildren() === 0, 3000)).toBe(true);
  });
});
