/** Shared bits for the adapter tests: paths, real frames, synthetic frames, running a session. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { rgbToYuv420, yuv420Size, type Yuv420Image } from '../../../src/core/yuv420.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const fixtureModels = path.join(repoRoot, 'test', 'fixtures', 'models');
export const yoloModelPath = path.join(sharedDir, 'models', 'yolov8n-seg-int8.onnx');
export const peopleClip = path.join(sharedDir, 'media', 'people-walking.mp4');
export const haveYolo = existsSync(yoloModelPath) && existsSync(peopleClip);
export const YOLO_SKIP_REASON = `skipped: ${yoloModelPath} or ${peopleClip} not found (../shared is absent on this machine)`;

export const ffmpegPath = path.join(repoRoot, 'node_modules', '@ffmpeg-installer', 'linux-x64', 'ffmpeg');

/** Decodes one frame at `tSeconds` as I420 at the clip's own size, as the pipeline's decoder does. */
export function extractFrame(file: string, tSeconds: number, width: number, height: number): Yuv420Image {
  const size = yuv420Size(width, height);
  const yuv = execFileSync(
    ffmpegPath,
    ['-v', 'error', '-ss', String(tSeconds), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'],
    { maxBuffer: size + 1024 },
  );
  if (yuv.length !== size) throw new Error(`expected ${width}x${height} yuv420p (${size} bytes), got ${yuv.length}`);
  return { yuv: new Uint8Array(yuv.buffer, yuv.byteOffset, yuv.length), width, height };
}

/** A grey frame with filled rectangles drawn on it. */
export function syntheticFrame(
  width: number,
  height: number,
  rects: { x: number; y: number; w: number; h: number; rgb: [number, number, number] }[],
  background: [number, number, number] = [128, 128, 128],
): Yuv420Image {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(background, i * 3);
  for (const r of rects) {
    for (let y = r.y; y < Math.min(height, r.y + r.h); y++) {
      for (let x = r.x; x < Math.min(width, r.x + r.w); x++) rgb.set(r.rgb, (y * width + x) * 3);
    }
  }
  return { yuv: rgbToYuv420(rgb, width, height), width, height };
}

export async function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  return (await session.run(feeds)) as Record<string, ort.Tensor>;
}
