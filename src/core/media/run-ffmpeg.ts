/** Runs one short-lived ffmpeg command to completion (clip generation, probing, muxing). */
import { LineSplitter, StderrTail } from './ffmpeg-log.js';
import { ffmpegPath } from './ffmpeg-path.js';
import { MediaError } from './media-error.js';
import { spawnTracked, stopChild } from './process.js';

/** ffmpeg exited non-zero. `tail`: its last stderr lines. */
export class FfmpegRunError extends MediaError {
  constructor(
    message: string,
    readonly tail: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super('FFMPEG_FAILED', message, { detail: tail });
  }
}

/**
 * Runs ffmpeg to completion. `onLine` sees every stderr line and returns true for lines not worth
 * keeping in the error tail. Resolves with the tail; rejects with FfmpegRunError on failure.
 */
export async function runFfmpeg(
  args: string[],
  timeoutMs: number,
  what: string,
  onLine?: (line: string) => boolean,
  signal?: AbortSignal,
): Promise<string> {
  if (signal?.aborted) throw new MediaError('FFMPEG_FAILED', `${what}: aborted`);
  const { child, closed } = spawnTracked(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail = new StderrTail(60);
  const lines = new LineSplitter();
  const take = (l: string) => {
    if (!onLine?.(l)) tail.push(l);
  };
  child.stderr!.setEncoding('latin1');
  child.stderr!.on('data', (t: string) => lines.push(t).forEach(take));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stopChild(child, 500);
  }, timeoutMs);
  const onAbort = () => stopChild(child, 500);
  signal?.addEventListener('abort', onAbort);
  const { code, signal: sig, spawnError } = await closed;
  signal?.removeEventListener('abort', onAbort);
  clearTimeout(timer);
  lines.flush().forEach(take);
  if (spawnError) throw new MediaError('FFMPEG_MISSING', `${what}: cannot start ffmpeg (${spawnError.message})`);
  if (signal?.aborted) throw new MediaError('FFMPEG_FAILED', `${what}: aborted`);
  if (timedOut) throw new MediaError('TIMEOUT', `${what}: ffmpeg took longer than ${timeoutMs / 1000} s`);
  if (code !== 0) {
    const last = tail.all().slice(-3).join(' | ');
    throw new FfmpegRunError(`${what}: ffmpeg ${code !== null ? `exit code ${code}` : `killed by ${sig}`}: ${last}`, tail.text(), code, sig);
  }
  return tail.text();
}

