import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A worker thread's script in src/worker/. Running from compiled JS it sits beside this file;
 * under vitest (TS sources) point at the compiled copy in dist/, since a worker thread cannot load
 * .ts itself.
 */
export function threadEntry(name: string): URL {
  const here = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const compiled = new URL(here.href.replace('/src/worker/', '/dist/src/worker/'));
  if (existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error(`worker thread script not found (${fileURLToPath(compiled)}): run 'npm run build' first`);
}
