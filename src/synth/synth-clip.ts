/**
 * Writes a synthetic clip: H.264 MP4 (rgb24 frames piped into the ffmpeg binary's libx264) and the
 * COCO ground truth beside it, both under hidden names until both are whole. Also `synthGroundTruth` for tests that need the GT without a video.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { AtomicFile } from '../core/results/atomic-file.js';
import path from 'node:path';
import { ffmpegPath } from '../core/media/ffmpeg-path.js';
import { spawnTracked, stopChild } from '../core/media/process.js';
import { CocoGtBuilder, groundTruthPathFor, type CocoGt } from './coco-gt.js';
import { resolveSynthOptions, type ResolvedSynthOptions, type SynthOptions } from './options.js';
import { synthFrames } from './synth-frames.js';

export interface SynthClipResult {
  video: string;
  groundTruth: string;
  frames: number;
  instances: number;
}

/** The COCO ground truth of the clip `synthFrames(opts)` renders (no video written). */
export function synthGroundTruth(opts: SynthOptions, videoName = 'clip.mp4'): CocoGt {
  const o = resolveSynthOptions(opts);
  const gt = new CocoGtBuilder(o, videoName);
  for (const f of synthFrames(o)) gt.add(f);
  return gt.build();
}

export async function writeSynthClip(outMp4: string, opts: SynthOptions): Promise<SynthClipResult> {
  const o = resolveSynthOptions(opts);
  const dir = path.dirname(path.resolve(outMp4));
  mkdirSync(dir, { recursive: true });
  const gtPath = groundTruthPathFor(outMp4);
  const gt = new CocoGtBuilder(o, path.basename(outMp4));
  const video = new AtomicFile(outMp4);
  try {
    return await writeClip(video, outMp4, gtPath, gt, o);
  } catch (e) {
    video.abort();
    throw e;
  }
}

async function writeClip(video: AtomicFile, outMp4: string, gtPath: string, gt: CocoGtBuilder, o: ResolvedSynthOptions): Promise<SynthClipResult> {
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${o.width}x${o.height}`, '-framerate', String(o.fps),
    '-i', 'pipe:0',
    '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(o.crf), '-pix_fmt', 'yuv420p',
    // The matrix swscale used for rgb24 → yuv420p (BT.601), tagged so decoders use it back.
    '-colorspace', 'smpte170m', '-color_primaries', 'smpte170m', '-color_trc', 'smpte170m',
    '-movflags', '+faststart',
    '-f', 'mp4', video.tmpPath,
  ];
  const { child, closed } = spawnTracked(ffmpegPath(), args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  let exited = false;
  void closed.then(() => {
    exited = true;
  });
  const stdin = child.stdin!;
  let pipeError: Error | null = null;
  stdin.on('error', (e) => {
    pipeError = e;
  });

  const fail = (why: string): Error =>
    new Error(`synth: ffmpeg failed writing ${outMp4}: ${why}${stderr.trim() ? ` (${stderr.trim().split('\n').slice(-3).join(' | ')})` : ''}`);

  let frames = 0;
  try {
    for (const f of synthFrames(o)) {
      gt.add(f);
      frames++;
      if (pipeError || exited) break;
      if (!stdin.write(f.rgb)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            stdin.off('drain', done);
            stdin.off('error', done);
            clearInterval(poll);
            resolve();
          };
          stdin.on('drain', done);
          stdin.on('error', done);
          const poll = setInterval(() => exited && done(), 50);
        });
      }
    }
    stdin.end();
  } catch (e) {
    stopChild(child);
    await closed;
    throw e;
  }
  const res = await closed;
  if (res.spawnError) throw fail(res.spawnError.message);
  if (res.code !== 0) throw fail(res.signal ? `killed by ${res.signal}` : `exit code ${res.code}`);
  if (pipeError || frames !== o.frames) throw fail(`stopped reading after ${frames} of ${o.frames} frames`);

  const gtFile = new AtomicFile(gtPath);
  try {
    writeFileSync(gtFile.tmpPath, JSON.stringify(gt.build()));
  } catch (e) {
    gtFile.abort();
    throw e;
  }
  try {
    video.commit();
    gtFile.commit();
  } catch (e) {
    gtFile.abort();
    throw e;
  }
  return { video: outMp4, groundTruth: gtPath, frames, instances: gt.instanceCount };
}
