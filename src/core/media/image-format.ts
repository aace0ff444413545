/**
 * Still-image files: which extensions are images (inputs and outputs), and the ffmpeg encoder
 * arguments of each output type.
 */
import path from 'node:path';

/** Image types read and written (the bundled ffmpeg decodes and encodes each). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp'] as const;

/** Video container extensions a folder walk picks up (any file ffmpeg reads can still be named). */
export const VIDEO_EXTENSIONS = ['.mp4', '.m4v', '.mov', '.mkv', '.avi', '.webm', '.ts', '.mts', '.m2ts', '.mpg', '.mpeg', '.flv', '.wmv', '.3gp', '.y4m'] as const;

/** JPEG (and WebP) quality when none is given. */
export const DEFAULT_JPEG_QUALITY = 90;

export function isImagePath(p: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(p).toLowerCase());
}

export function isVideoPath(p: string): boolean {
  return (VIDEO_EXTENSIONS as readonly string[]).includes(path.extname(p).toLowerCase());
}

/** A file a folder walk takes: an image or a video by its extension. */
export function isMediaPath(p: string): boolean {
  return isImagePath(p) || isVideoPath(p);
}

/**
 * Encoder arguments for one still of the type `target`'s extension names. `quality` 1..100 (JPEG,
 * WebP): JPEG maps it linearly onto mjpeg's qscale 31..2 (100 → 2, the finest ffmpeg's mjpeg
 * takes), WebP hands it to libwebp as is. PNG and BMP are lossless.
 */
export function imageEncoderArgs(target: string, quality = DEFAULT_JPEG_QUALITY): string[] {
  const ext = path.extname(target).toLowerCase();
  switch (ext) {
    case '.jpg':
    case '.jpeg': {
      const q = Math.round(2 + ((100 - quality) * 29) / 99);
      // Full-range 4:2:0, what JPEG decoders expect; swscale expands the limited-range frame.
      return ['-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', String(q), '-f', 'image2'];
    }
    case '.png': return ['-c:v', 'png', '-pix_fmt', 'rgb24', '-f', 'image2'];
    case '.bmp': return ['-c:v', 'bmp', '-pix_fmt', 'bgr24', '-f', 'image2'];
    case '.webp': return ['-c:v', 'libwebp', '-quality', String(quality), '-pix_fmt', 'yuv420p', '-f', 'webp'];
    default: throw new Error(`'${target}' is not an image type we write (${IMAGE_EXTENSIONS.join(', ')})`);
  }
}
