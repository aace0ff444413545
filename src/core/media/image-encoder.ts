/** Writes one I420 frame as an image file (JPEG, PNG, BMP, WebP) through ffmpeg. */
import { ffmpegPath } from './ffmpeg-path.js';
import { imageEncoderArgs } from './image-format.js';
import { MediaError } from './media-error.js';
import { pipelineNiceness } from '../priority.js';
import { spawnTracked, stopChild } from './process.js';
import { StderrTail, LineSplitter } from './ffmpeg-log.js';

export interface ImageEncodeOptions {
  /** JPEG/WebP quality 1..100. @defaultValue 90 */
  quality?: number;
  /** Give up after this long. @defaultValue 60 000 ms */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Encodes `yuv` (I420, width x height) into `file`, whose extension picks the type. `file` is
 * written as is: callers hand it a temporary name (AtomicFile) and rename it.
 */
export async function encodeImage(yuv: Uint8Array, width: number, height: number, file: string, typeOf: string, o: ImageEncodeOptions = {}): Promise<void> {
  const args = [
    '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-i', 'pipe:0',
    '-frames:v', '1', ...imageEncoderArgs(typeOf, o.quality), file,
  ];
  const { child, closed } = spawnTracked(ffmpegPath(), args, { stdio: ['pipe', 'ignore', 'pipe'] }, pipelineNiceness());
  const tail = new StderrTail(20);
  const lines = new LineSplitter();
  child.stderr!.setEncoding('latin1');
  child.stderr!.on('data', (t: string) => lines.push(t).forEach((l) => tail.push(l)));
  child.stdin!.on('error', () => undefined); // an early exit is reported by its status below
  child.stdin!.end(yuv);
  const timer = setTimeout(() => stopChild(child, 500), o.timeoutMs ?? 60_000);
  const onAbort = () => stopChild(child, 200);
  o.signal?.addEventListener('abort', onAbort);
  const { code, signal, spawnError } = await closed;
  clearTimeout(timer);
  o.signal?.removeEventListener('abort', onAbort);
  if (spawnError) throw new MediaError('FFMPEG_MISSING', `cannot write '${typeOf}': cannot start ffmpeg (${spawnError.message})`);
  if (o.signal?.aborted) throw new MediaError('ENCODE_FAILED', `writing '${typeOf}' was aborted`);
  if (code !== 0) {
    throw new MediaError('ENCODE_FAILED', `cannot write '${typeOf}': ffmpeg ${code !== null ? `exit code ${code}` : `killed by ${signal}`}: ${tail.all().slice(-2).join(' | ')}`);
  }
}
