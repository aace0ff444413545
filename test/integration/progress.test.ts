import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeSynthClip } from '../../src/synth/index.js';
import { cliPath, runCli, tempDir } from '../helpers.js';

const tmp = tempDir('progress');
const clip = path.join(tmp.dir, 'clip.mp4');

beforeAll(async () => { await writeSynthClip(clip, { seed: 21, frames: 40, fps: 10 }); });
afterAll(() => tmp.cleanup());

describe('progress and logs', () => {
  it('without a TTY: every log line is a JSON object, with a final progress line of the counts', async () => {
    const r = await runCli(['run', clip, '-o', path.join(tmp.dir, 'a.mp4')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    const summary = lines.pop()!;
    expect(summary).toMatch(/^wrote .*a\.mp4 .* 40 frames/);
    const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of logs) expect(Object.keys(l)).toEqual(expect.arrayContaining(['ts', 'level', 'msg']));
    const progress = logs.filter((l) => l.msg === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ decoded: 40, inferred: 40, written: 40, failed: 0 });
  });

  it('the total is what the stream will deliver: the resampled rate\'s count, under a larger --max-frames', async () => {
    // 40 frames at 10 fps = 4 s; at --fps 5 that is 20 frames, fewer than --max-frames 100.
    const r = await runCli(['run', clip, '-o', path.join(tmp.dir, 'c.mp4'), '--fps', '5', '--max-frames', '100']);
    expect(r.code, r.stderr).toBe(0);
    const progress = r.stderr.trim().split('\n').slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'progress');
    expect(progress.at(-1)).toMatchObject({ written: 20, total: 20 });
  });

  it('on a terminal: one line redrawn in place with frames, fps and ETA', () => {
    // `script` gives the CLI a pseudo-terminal, as a user's shell would.
    const cmd = `${process.execPath} ${cliPath} run ${clip} -o ${path.join(tmp.dir, 'b.mp4')}`;
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TERM: 'xterm' } });
    expect(r.status, r.stdout).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/\rdecoded \d+ \| inferred \d+ \| written \d+\/\d+ \| [\d.]+ fps/);
    expect(out).toMatch(/ETA \d+s/);
    expect(out).toMatch(/written 40\/40/);
    expect(out).not.toMatch(/"level":/); // human lines, not JSON, on a terminal
  });
});
