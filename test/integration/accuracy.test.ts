import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { deleteKeys, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine, bundledModel } from '../helpers.js';

/**
 * The bundled model's accuracy bars (issue #3), measured the way users run it: a held-out clip
 * (seed 4242 was never used in training: models/MODEL_CARD.md) through the distributed pipeline —
 * Redis, two worker processes, produce and compose — then `segstream eval`.
 */
const HELD_OUT_SEED = 4242;
const tmp = tempDir('acc');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
const clip = path.join(tmp.dir, 'heldout.mp4');
let workers: ChildProcess[] = [];

beforeAll(async () => {
  const r = await runCli(['synth', '--seed', String(HELD_OUT_SEED), '--frames', '100', '-o', clip]);
  expect(r.code, r.stderr).toBe(0);
});
afterEach(async () => {
  await Promise.all(workers.map((w) => new Promise((res) => { w.once('exit', res); w.kill('SIGTERM'); })));
  workers = [];
});
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

describe('bundled Mask R-CNN accuracy on a held-out synthetic clip', () => {
  it('reaches mask AP50 ≥ 0.90 and mean matched IoU ≥ 0.80 through Redis with two workers', async () => {
    const manifest = JSON.parse(readFileSync(bundledModel.replace(/\.onnx$/, '.json'), 'utf8')) as { trained?: boolean; trainingSeeds?: unknown };
    expect(manifest.trained, 'the bundled model must be the trained one').toBe(true);
    for (let i = 0; i < 2; i++) {
      const w = spawnCli(['work', '--score', '0.3', '--threads', '1'], env);
      workers.push(w);
      await waitForLine(w, /waiting for frames/);
    }
    const out = path.join(tmp.dir, 'pred.mp4');
    const [p, c] = await Promise.all([
      runCli(['produce', clip, '--stream', 'heldout'], { env }),
      runCli(['compose', '--stream', 'heldout', '-o', out], { env, timeoutMs: 300_000 }),
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    const e = await runCli(['eval', '--gt', clip.replace(/\.mp4$/, '.json'), '--results', path.join(tmp.dir, 'pred.jsonl'), '--json', '-']);
    expect(e.code, e.stderr).toBe(0);
    const m = JSON.parse(e.stdout) as { ap: number; ap50: number; ap75: number; meanIou: number; meanDice: number; categories: { name: string; ap50: number; meanIou: number }[] };
    console.log(`held-out seed ${HELD_OUT_SEED}: AP ${m.ap.toFixed(3)} AP50 ${m.ap50.toFixed(3)} AP75 ${m.ap75.toFixed(3)} mIoU ${m.meanIou.toFixed(3)} Dice ${m.meanDice.toFixed(3)}`);
    for (const cat of m.categories) console.log(`  ${cat.name}: AP50 ${cat.ap50.toFixed(3)} mIoU ${cat.meanIou?.toFixed(3)}`);
    expect(m.ap50).toBeGreaterThanOrEqual(0.9);
    expect(m.meanIou).toBeGreaterThanOrEqual(0.8);
  }, 400_000);
});
