import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { probeVideo } from '../../src/core/media/test-clip.js';
import { readJsonl } from './jsonl.js';
import { deleteKeys, exited, hasSharedMedia, makeSynthClipWithAudio, REDIS_URL, runCli, sharedMedia, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const tmp = tempDir('segcrash');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
const children: ChildProcess[] = [];


/**
 * Resolves once a hidden in-progress JSONL in `dir` matching `name` holds at least `lines` frames.
 * A kill timed by the clock would find the stream already composed on a fast, quiet host.
 */
async function inProgressFrames(dir: string, name: RegExp, lines: number, timeoutMs = 120_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (!f.startsWith('.') || !name.test(f)) continue;
      let text = '';
      try { text = readFileSync(path.join(dir, f), 'utf8'); } catch { continue; } // renamed meanwhile
      if (text.split('\n').filter(Boolean).length >= lines) return f;
    }
    if (Date.now() > until) throw new Error(`no in-progress file ${name} with ${lines} frames in ${dir} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

afterEach(async () => {
  for (const c of children.splice(0)) { if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); await exited(c); }
});
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

describe.skipIf(!hasSharedMedia)('a segmented compose killed with SIGKILL and started again', () => {
  it('leaves every finished segment, recovers the one in progress, and resumes: every seq exactly once, every file playable', async () => {
    const input = path.join(sharedMedia, 'parking-lot.mp4'); // 377 frames at 12.5 fps
    const dir = tmp.file('rec');
    const out = path.join(dir, 'cam.mp4');
    const worker = spawnCli(['work', '--threads', '1', '--concurrency', '2'], env);
    children.push(worker);
    await waitForLine(worker, /waiting for frames/);
    const producer = spawnCli(['produce', input, '--stream', 'cam'], env);
    children.push(producer);
    const args = ['compose', '--stream', 'cam', '-o', out, '--segment', '4'];
    const first = spawnCli(args, env);
    children.push(first);
    let log1 = '';
    first.stderr!.on('data', (d) => (log1 += d));
    await waitForLine(first, /segment 1 finished/, 120_000);
    // Into segment 2 by a few frames, then without warning.
    await inProgressFrames(dir, /^\.cam-00002\.inprogress\.jsonl$/, 3);
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    // The kill left the segment in progress behind, under its hidden names.
    expect(existsSync(path.join(dir, '.cam-00002.inprogress.h264'))).toBe(true);
    expect(existsSync(path.join(dir, '.cam-00002.inprogress.jsonl'))).toBe(true);
    expect(existsSync(path.join(dir, 'cam-00002.mp4'))).toBe(false);

    const second = await runCli(args, { env, timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/recovered segment 2 of a killed compositor/);
    expect((await exited(producer)).code).toBe(0);

    const videos = readdirSync(dir).filter((f) => f.endsWith('.mp4'));
    const rows: { file: string; frames: number; firstSeq: number; seqs: number[] }[] = [];
    for (const v of videos) {
      const lines = readJsonl(path.join(dir, v.replace(/\.mp4$/, '.jsonl')));
      const probe = await probeVideo(path.join(dir, v));
      expect(probe.frames, v).toBe(lines.length); // playable, and its frames are its JSONL's
      rows.push({ file: v, frames: probe.frames, firstSeq: lines[0].seq, seqs: lines.map((l) => l.seq) });
    }
    rows.sort((a, b) => a.firstSeq - b.firstSeq);
    console.log(`compositor-crash files:\n${rows.map((r) => `  ${r.file}: ${r.frames} frames, seq ${r.firstSeq}-${r.firstSeq + r.frames - 1}`).join('\n')}`);
    expect(rows.map((r) => r.file)).toContain('cam-00002.recovered.mp4');
    expect(rows.flatMap((r) => r.seqs)).toEqual([...Array(377).keys()]);
    expect(readdirSync(dir).filter((f) => f.includes('inprogress'))).toEqual([]);
  }, 400_000);

  it('without --segment, the restarted compose writes the frames still to come into NAME.resumed-SEQ.mp4 beside, never over, the first', async () => {
    const clip = tmp.file('synth.mp4');
    await makeSynthClipWithAudio(clip, { seed: 3, frames: 200 });
    const dir = tmp.file('single');
    const out = path.join(dir, 'one.mp4');
    mkdirSync(dir);
    writeFileSync(out, 'an earlier recording');
    const worker = spawnCli(['work', '--threads', '1', '--concurrency', '2'], env);
    children.push(worker);
    await waitForLine(worker, /waiting for frames/);
    const producer = spawnCli(['produce', clip, '--stream', 'one'], env);
    children.push(producer);
    const args = ['compose', '--stream', 'one', '-o', out];
    const first = spawnCli(args, env);
    children.push(first);
    await inProgressFrames(dir, /^\.one\..*\.jsonl$/, 10); // 10 frames or more written
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    const second = await runCli(args, { env, timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    const seq = Number(/resuming at frame (\d+)/.exec(second.stderr)?.[1]);
    // The JSONL line of a frame is written before its ack moves the composed count, so the
    // resume point may be a frame or two before the lines seen at the kill; it is never 0.
    expect(seq).toBeGreaterThan(0);
    expect(readFileSync(out, 'utf8')).toBe('an earlier recording');
    const resumed = path.join(dir, `one.resumed-${seq}.mp4`);
    expect((await probeVideo(resumed)).frames).toBe(200 - seq);
    expect(readJsonl(path.join(dir, `one.resumed-${seq}.jsonl`)).map((l) => l.seq)).toEqual([...Array(200 - seq).keys()].map((i) => i + seq));
  }, 400_000);
});
