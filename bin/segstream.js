#!/usr/bin/env node
// The project's .npmrc sets ignore-scripts (see README, "Install"), so `npm ci` runs no `prepare`:
// a checkout builds itself on its first command instead.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  if (!existsSync(tsc)) {
    process.stderr.write("segstream: error: not built, and TypeScript is not installed: run 'npm ci && npm run build'\n");
    process.exit(1);
  }
  process.stderr.write('segstream: first run in this checkout: building (tsc)...\n');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 || !existsSync(cli)) {
    process.stderr.write("segstream: error: the build failed: run 'npm run build' to see why\n");
    process.exit(1);
  }
}
await import(cli.href);
