#!/usr/bin/env node
import { existsSync } from 'node:fs';
const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("segstream: not built yet: run 'npm run build' (npm ci does it via the prepare script)\n");
  process.exit(1);
}
await import(cli.href);
