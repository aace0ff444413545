import { chmodSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ffmpegCaps, ffmpegPath } from '../../../src/core/media/ffmpeg-path.js';
import { describeFailure, HeaderParser, parseShowinfo } from '../../../src/core/media/ffmpeg-log.js';
import { MediaError } from '../../../src/core/media/media-error.js';
import { rateFromNominal, rateFromSpan, simplestBetween, limitRational } from '../../../src/core/media/rational.js';
import { classifySource, inputArgs, redactUrl, resolveForFfmpeg } from '../../../src/core/media/source.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir('src');
afterAll(() => tmp.cleanup());

describe('classifySource / inputArgs', () => {
  it('files get the file protocol only, as file:<absolute path>', () => {
    const s = classifySource('clip.mp4');
    expect(s).toMatchObject({ kind: 'file', live: false, display: 'clip.mp4' });
    expect(s.ffmpegInput).toBe(`file:${process.cwd()}/clip.mp4`);
    expect(inputArgs(s)).toEqual(['-protocol_whitelist', 'file']);
    expect(classifySource('file:///tmp/a%20b.mp4').ffmpegInput).toBe('file:/tmp/a b.mp4');
    expect(classifySource('C:\\clips\\a.mp4').kind).toBe('file'); // a drive letter is no scheme
  });

  it('an existing file whose name looks like a scheme is a file', () => {
    const weird = tmp.file('odd:name.mp4');
    writeFileSync(weird, 'x');
    expect(classifySource(weird).kind).toBe('file');
  });

  it('network inputs never get the file protocol', () => {
    const http = classifySource('https://cdn.example/x.m3u8');
    expect(http).toMatchObject({ kind: 'http', live: null });
    expect(inputArgs(http, { ioTimeoutMs: 5000 })).toEqual(['-protocol_whitelist', 'http,https,tcp,tls,crypto', '-rw_timeout', '5000000', '-reconnect', '1', '-reconnect_delay_max', '5']);
    const rtsp = classifySource('rtsp://cam/1');
    expect(rtsp).toMatchObject({ kind: 'rtsp', live: true });
    // -probesize 32: the SDP has the codec parameters; a longer probe mis-times the first frames.
    expect(inputArgs(rtsp, { ioTimeoutMs: 15000 })).toEqual(['-protocol_whitelist', 'rtsp,rtsps,rtp,srtp,udp,tcp,tls', '-probesize', '32', '-rtsp_transport', 'tcp', '-stimeout', '15000000']);
    expect(inputArgs(rtsp, { rtspTransport: 'udp', rtspTimeoutOption: 'timeout' })).toContain('-timeout');
    expect(inputArgs(classifySource('udp://0.0.0.0:1234'))).toEqual(['-protocol_whitelist', 'udp']);
    expect(inputArgs(classifySource('rtp://0.0.0.0:1234'))).toEqual(['-protocol_whitelist', 'rtp,udp']);
    for (const u of ['http://a/b', 'https://a/b', 'rtsp://a/b', 'rtsps://a/b', 'udp://a:1', 'rtp://a:1']) {
      expect(inputArgs(classifySource(u))[1].split(',')).not.toContain('file');
    }
  });

  it('refuses other schemes with the list of supported ones', () => {
    for (const u of ['ftp://h/x.mp4', 'concat:a|b', 'gopher://h/', 'tcp://h:1', 'unix:/tmp/s']) {
      expect(() => classifySource(u)).toThrow(MediaError);
    }
    expect(() => classifySource('ftp://h/x.mp4')).toThrow(
      "unsupported input scheme 'ftp:' (use a file path, http(s)://, rtsp://, rtsps://, udp:// or rtp://)",
    );
  });

  it('redacts passwords in URLs shown in messages', () => {
    expect(redactUrl('rtsp://admin:hunter2@10.0.0.5:554/live')).toBe('rtsp://admin:***@10.0.0.5:554/live');
    expect(redactUrl('http://host/x?a=b@c')).toBe('http://host/x?a=b@c');
    expect(classifySource('rtsp://u:p@h/x').display).toBe('rtsp://u:***@h/x');
  });

  it('resolves host names for static ffmpeg builds (keeping the name in an HTTP Host header)', async () => {
    const r = await resolveForFfmpeg(classifySource('http://localhost:8080/a.mp4?x=1'), true);
    expect(r.ffmpegInput).toMatch(/^http:\/\/(127\.0\.0\.1|\[::1\]):8080\/a\.mp4\?x=1$/);
    expect(r.extraArgs).toEqual(['-headers', 'Host: localhost:8080\r\n']);
    const rt = await resolveForFfmpeg(classifySource('rtsp://user:pw@localhost/cam'), true);
    expect(rt.ffmpegInput).toMatch(/^rtsp:\/\/user:pw@(127\.0\.0\.1|\[::1\])\/cam$/);
    expect(rt.extraArgs).toEqual([]);
    expect((await resolveForFfmpeg(classifySource('rtsp://10.1.2.3/cam'), true)).ffmpegInput).toBe('rtsp://10.1.2.3/cam');
    expect((await resolveForFfmpeg(classifySource('http://localhost/a'), false)).ffmpegInput).toBe('http://localhost/a');
    await expect(resolveForFfmpeg(classifySource('http://no-such-host.invalid/a'), true)).rejects.toThrow(/cannot resolve host 'no-such-host\.invalid'/);
  });
});

describe('ffmpegPath / ffmpegCaps', () => {
  const saved = process.env['FFMPEG_PATH'];
  afterEach(() => {
    if (saved === undefined) delete process.env['FFMPEG_PATH'];
    else process.env['FFMPEG_PATH'] = saved;
  });

  it('finds the bundled binary and knows it is the 2018 static build', () => {
    delete process.env['FFMPEG_PATH'];
    const p = ffmpegPath();
    expect(p).toMatch(/@ffmpeg-installer\/linux-x64\/ffmpeg$/);
    const caps = ffmpegCaps(p);
    expect(caps.version).toMatch(/^ffmpeg version N-47683/);
    expect(caps).toMatchObject({ staticBuild: true, rtspTimeoutOption: 'stimeout' });
  });

  it('FFMPEG_PATH wins, and a bad one fails with one clear line', () => {
    process.env['FFMPEG_PATH'] = tmp.file('missing-ffmpeg');
    expect(() => ffmpegPath()).toThrow(`ffmpeg not found: FFMPEG_PATH '${tmp.file('missing-ffmpeg')}' does not exist`);
    const notExec = tmp.file('ffmpeg-noexec');
    writeFileSync(notExec, '#!/bin/sh\n');
    chmodSync(notExec, 0o644);
    process.env['FFMPEG_PATH'] = notExec;
    if (process.getuid?.() !== 0) expect(() => ffmpegPath()).toThrow(/is not executable/);
    chmodSync(notExec, 0o755);
    expect(ffmpegPath()).toBe(notExec);
  });
});

describe('stderr parsing', () => {
  it('reads the Input #0 / Output #0 header of the 2018 build', () => {
    const h = new HeaderParser();
    for (const l of [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'parking-lot.mp4':",
      '  Duration: 00:00:30.21, start: 0.000000, bitrate: 744 kb/s',
      '    Stream #0:0(eng): Video: h264 (Baseline) (avc1 / 0x31637661), yuv420p(tv, smpte170m), 768x432, 614 kb/s, 12.50 fps, 12.50 tbr, 25k tbn, 25 tbc (default)',
      '    Stream #0:1(eng): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 125 kb/s (default)',
      'Stream mapping:',
      "Output #0, rawvideo, to 'pipe:1':",
      '    Stream #0:0(eng): Video: rawvideo (I420 / 0x30323449), yuv420p, 768x432, q=2-31, 49766 kb/s, 12.50 fps, 12.50 tbn, 12.50 tbc (default)',
    ]) h.feed(l);
    expect(h.input).toEqual({ durationMs: 30210, fps: 12.5, width: 768, height: 432, hasVideo: true, hasAudio: true, audioCodec: 'aac', videoCodec: 'h264' });
    expect(h.outputSize).toEqual({ width: 768, height: 432 });
    const live = new HeaderParser();
    live.feed("Input #0, rtsp, from 'rtsp://x':");
    live.feed('  Duration: N/A, start: 0.000000, bitrate: N/A');
    live.feed('    Stream #0:0: Video: h264 (Main), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 30k fps, 30 tbr, 90k tbn, 60 tbc');
    expect(live.input).toMatchObject({ durationMs: null, fps: 30000, width: 1920, height: 1080, hasAudio: false });
  });

  it('falls back to tbr when the stream line has no fps (RTSP probed with -probesize 32)', () => {
    const h = new HeaderParser();
    for (const l of [
      '[rtsp @ 0xdf7fe00] Stream #0: not enough frames to estimate rate; consider increasing probesize',
      '[rtsp @ 0xdf7fe00] decoding for stream 0 failed',
      "Input #0, rtsp, from 'rtsp://127.0.0.1:8554/test':",
      '  Duration: 00:00:20.00, start: 0.000000, bitrate: N/A',
      '    Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 320x180 [SAR 1:1 DAR 16:9], 25 tbr, 90k tbn, 180k tbc',
    ]) h.feed(l);
    expect(h.input).toMatchObject({ durationMs: 20000, fps: 25, width: 320, height: 180 });
    const slow = new HeaderParser();
    slow.feed("Input #0, rtsp, from 'rtsp://x':");
    slow.feed('    Stream #0:0: Video: h264 (Main), yuv420p, 640x360, 12.50 tbr, 90k tbn, 25 tbc');
    expect(slow.input.fps).toBe(12.5);
    // fps wins over tbr; a `k` tbr is a time base, not a rate
    const both = new HeaderParser();
    both.feed("Input #0, mpegts, from 'udp://x':");
    both.feed('    Stream #0:0[0x100]: Video: h264 (High), yuv420p, 640x360, 29.97 fps, 59.94 tbr, 90k tbn, 59.94 tbc');
    expect(both.input.fps).toBe(29.97);
    const tb = new HeaderParser();
    tb.feed("Input #0, rtsp, from 'rtsp://x':");
    tb.feed('    Stream #0:0: Video: h264, yuv420p, 640x360, 90k tbr, 90k tbn, 180k tbc');
    expect(tb.input.fps).toBeNull();
  });

  it('parses showinfo lines (pts in AVTB µs, NOPTS)', () => {
    expect(parseShowinfo('[Parsed_showinfo_1 @ 0xad33140] n:   1 pts:  80000 pts_time:0.08    pos:    46023 fmt:yuv420p')).toEqual({ n: 1, pts: 80000 });
    expect(parseShowinfo('[Parsed_showinfo_2 @ 0x1] n:12345 pts:-2002 pts_time:-0.002')).toEqual({ n: 12345, pts: -2002 });
    expect(parseShowinfo('[Parsed_showinfo_1 @ 0x1] n:   3 pts:NOPTS pts_time:NOPTS')).toEqual({ n: 3, pts: null });
    expect(parseShowinfo('[Parsed_showinfo_1 @ 0x1] color_range:tv color_space:smpte170m')).toBeNull();
  });

  it('maps failures to one-line messages', () => {
    const f = (tail: string, more: Partial<Parameters<typeof describeFailure>[0]> = {}) =>
      describeFailure({ display: 'x', isFile: false, tail, code: 1, signal: null, ...more }).message;
    expect(f("[tcp @ 0x1] Connection to tcp://127.0.0.1:1 failed: Connection refused\nhttp://127.0.0.1:1/x: Connection refused")).toBe("cannot read input 'x': connection refused");
    expect(f('[http @ 0x1] HTTP error 404 File not found\nhttp://h/x: Server returned 404 Not Found')).toBe("cannot read input 'x': HTTP 404 Not Found");
    expect(f("Stream map '0:v:0' matches no streams.\nTo ignore this, add a trailing '?' to the map.")).toBe("cannot read input 'x': no video stream");
    expect(f('', { signal: 'SIGSEGV', staticBuild: true })).toMatch(/static ffmpeg cannot resolve names/);
    expect(f('something odd happened\nError opening filters!', { code: 1 })).toBe("cannot read input 'x': Error opening filters! (ffmpeg exit code 1)");
    // the probe warnings of -probesize 32 are not the reason for a later failure
    const probeNoise = '[rtsp @ 0x1] Stream #0: not enough frames to estimate rate; consider increasing probesize\n[rtsp @ 0x1] decoding for stream 0 failed';
    expect(f(probeNoise, { code: null, signal: 'SIGKILL' })).toBe("cannot read input 'x': ffmpeg failed (killed by SIGKILL)");
  });
});

describe('rational rates', () => {
  it('snaps a measured span to the simplest rate within the µs quantisation', () => {
    expect(rateFromSpan(50, 49 * 40_000)).toEqual([25, 1]);
    expect(rateFromSpan(377, 30_080_000)).toEqual([25, 2]);
    expect(rateFromSpan(60, Math.round((59 * 1001e6) / 30000))).toEqual([30000, 1001]);
    expect(rateFromSpan(48, Math.round((47 * 1001e6) / 24000))).toEqual([24000, 1001]);
    expect(rateFromSpan(1189, 39_821_229)).toEqual([179, 6]); // bottles.mp4: 11456/384
    const [n, d] = rateFromSpan(1000, 33_333_333);
    expect(Math.abs((999 * d * 1e6) / n - 33_333_333)).toBeLessThanOrEqual(1);
  });

  it('keeps numerator and denominator within ffmpeg -r limits', () => {
    const [n, d] = rateFromSpan(1_000_000, 33_366_699_999);
    expect(n).toBeLessThanOrEqual(1_001_000);
    expect(d).toBeLessThanOrEqual(1_001_000);
    expect(limitRational(314159265, 100000000, 1000)).toEqual([355, 113]);
    expect(simplestBetween(3, 10, 1, 3)).toEqual([1, 3]);
    expect(rateFromNominal('30000/1001')).toEqual([30000, 1001]);
    expect(rateFromNominal(29.97)).toEqual([30000, 1001]);
    expect(rateFromNominal(12.5)).toEqual([25, 2]);
  });
});
