import { describe, expect, it } from 'vitest';
import { classifyDecoderExit, type ExitFacts } from '../../../src/core/media/decoder-exit.js';
import { MediaError } from '../../../src/core/media/media-error.js';
import { classifySource } from '../../../src/core/media/source.js';

const rtsp = classifySource('rtsp://127.0.0.1:8554/cam');
const file = classifySource('/tmp/clip.mp4');

/** A live RTSP camera that delivered 100 frames and exited 0. */
function facts(over: Partial<ExitFacts> = {}): ExitFacts {
  return {
    spec: rtsp, display: rtsp.display, live: true, code: 0, signal: null,
    limitReached: false, stall: null, closedByUser: false, decoded: 100, headerSeen: true,
    framesLimitHit: false, partial: false, durationMs: null, frameMs: 40, firstPtsMs: 0, lastPtsMs: 3960,
    tail: '', staticBuild: false, ...over,
  };
}

describe('classifyDecoderExit', () => {
  it('a camera (no duration) whose server closed the stream: cut short, retryable', () => {
    const e = classifyDecoderExit(facts());
    expect(e).toMatchObject({ reason: 'error', retryable: true });
    expect(e.error).toBe("the RTSP server closed the connection after 3.96 s of live video (input 'rtsp://127.0.0.1:8554/cam')");
    expect(e.fatal).toBeUndefined(); // frames came: the iteration ends normally
  });

  it('a VOD clip over RTSP read to its end: eof, not retried; cut before its end: retryable error', () => {
    expect(classifyDecoderExit(facts({ durationMs: 4000 }))).toEqual({ reason: 'eof', retryable: false });
    const cut = classifyDecoderExit(facts({ durationMs: 20_000 }));
    expect(cut).toMatchObject({ reason: 'error', retryable: true });
    expect(cut.error).toMatch(/closed the connection at 3\.96 s of 20\.00 s/);
  });

  it('stalled: the watchdog\'s error, retryable for a live source only', () => {
    const stall = new MediaError('STALLED', "no frame from 'x' for 3 s (stalled)");
    expect(classifyDecoderExit(facts({ stall, code: null, signal: 'SIGTERM' }))).toEqual({ reason: 'stalled', fatal: stall, error: stall.message, retryable: true });
    expect(classifyDecoderExit(facts({ stall, spec: file, live: false })).retryable).toBe(false);
  });

  it('ffmpeg failed after frames (live): error from its stderr, retryable; before any frame: fatal', () => {
    const tail = '[tcp @ 0x1] Connection to tcp://127.0.0.1:8554?timeout=0 failed: Connection refused\nrtsp://127.0.0.1:8554/cam: Connection refused';
    const after = classifyDecoderExit(facts({ code: 1, tail }));
    expect(after).toMatchObject({ reason: 'error', retryable: true });
    expect(after.fatal).toBeUndefined();
    const before = classifyDecoderExit(facts({ code: 1, tail, decoded: 0, headerSeen: false }));
    expect(before).toMatchObject({ reason: 'error', retryable: true });
    expect(before.fatal).toBeInstanceOf(MediaError);
    expect(before.fatal!.message).toMatch(/connection refused/i);
  });

  it('ends we caused or asked for are never retried: maxFrames, close(), a missing ffmpeg', () => {
    expect(classifyDecoderExit(facts({ limitReached: true, code: 255 }))).toEqual({ reason: 'maxFrames', retryable: false });
    expect(classifyDecoderExit(facts({ closedByUser: true, code: 255 }))).toEqual({ reason: 'closed', retryable: false });
    const missing = classifyDecoderExit(facts({ spawnError: new Error('spawn ffmpeg ENOENT'), code: null, decoded: 0 }));
    expect(missing).toMatchObject({ reason: 'error', retryable: false });
    expect(missing.fatal!.code).toBe('FFMPEG_MISSING');
  });

  it('files: eof at their end, -frames:v reached, truncated: none retryable', () => {
    const f = { spec: file, display: '/tmp/clip.mp4', live: false, durationMs: 4000 };
    expect(classifyDecoderExit(facts(f))).toEqual({ reason: 'eof', retryable: false });
    expect(classifyDecoderExit(facts({ ...f, framesLimitHit: true }))).toEqual({ reason: 'maxFrames', retryable: false });
    const cut = classifyDecoderExit(facts({ ...f, partial: true }));
    expect(cut).toMatchObject({ reason: 'error', retryable: false });
    expect(cut.error).toBe("input '/tmp/clip.mp4' is truncated or corrupt (partial file): decoded 100 frame(s), up to 3.96 s of 4.00 s");
  });
});
