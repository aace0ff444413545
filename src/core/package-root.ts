import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (holds package.json and models/), from src/ or dist/src/ alike. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('segstream package root not found');
    dir = up;
  }
  return dir;
}

/** The bundled default model. */
export function bundledModelPath(): string {
  return path.join(packageRoot(), 'models', 'segstream-maskrcnn-tiny.onnx');
}

/** The bundled default semantic model (`--task semantic`). */
export function bundledSemanticModelPath(): string {
  return path.join(packageRoot(), 'models', 'segstream-unet-tiny.onnx');
}
