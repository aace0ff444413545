import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { repoRoot } from './helpers.js';

// The quick start is `npm ci && npx segstream demo`: npm must neither warn on every command nor run
// onnxruntime-node's postinstall (a CUDA download that fails offline). README, "Install".
describe('install configuration', () => {
  it('npm runs segstream without a warning', () => {
    const r = spawnSync('npm', ['exec', '--', 'segstream', '--version'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^segstream \d+\.\d+\.\d+/);
    expect(r.stderr).not.toMatch(/npm warn/i);
  });

  it('no dependency install script runs on npm ci', () => {
    const v = execFileSync('npm', ['config', 'get', 'ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    expect(v).toBe('true');
  });
});
